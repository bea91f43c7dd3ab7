// The symbol by which the built-in classes describe themselves to
// console.js, which prints them the way workerd prints its own types.
//
// An object's [kInspect]() returns { name, size?, entries?, props }:
// `entries` are [key, value] pairs printed "key => value" (Headers,
// URLSearchParams), `props` are [key, value, hidden?] printed "key: value",
// or "[key]: value" when hidden.

export const kInspect = Symbol('dohost.inspect');
