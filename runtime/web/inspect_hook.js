// The symbol by which the built-in classes describe themselves to
// console.js, which prints them the way workerd prints its own types.
//
// An object's [kInspect]() returns { name, size?, entries?, props }:
// `entries` are [key, value] pairs printed "key => value" (Headers,
// URLSearchParams), `props` are [key, value, hidden?] printed "key: value",
// or "[key]: value" when hidden.

export const kInspect = Symbol('dohost.inspect');

// Gives `Class` the console form workerd gives its C++ types: the class
// name and the value of every enumerable getter on its prototype chain,
// most-derived class first. `extra(value)` may add [hidden] fields.
export function inspectByGetters(Class, name, extra = undefined) {
  Object.defineProperty(Class.prototype, kInspect, {
    value() {
      const props = [];
      const seen = new Set();
      for (let proto = Object.getPrototypeOf(this);
        proto !== null && proto !== Object.prototype;
        proto = Object.getPrototypeOf(proto)) {
        for (const key of Object.getOwnPropertyNames(proto)) {
          const descriptor = Object.getOwnPropertyDescriptor(proto, key);
          if (seen.has(key) || !descriptor.enumerable ||
              typeof descriptor.get !== 'function') {
            continue;
          }
          seen.add(key);
          props.push([key, descriptor.get.call(this)]);
        }
      }
      if (extra !== undefined) props.push(...extra(this));
      return { name: name ?? this[Symbol.toStringTag], props };
    },
    configurable: true,
  });
}
