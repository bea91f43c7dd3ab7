// Runs before the core-js modules (builtins.js imports it first): hands
// core-js the engine's own %AsyncIteratorPrototype%, which it cannot find
// without eval, so Symbol.asyncDispose lands on the prototype every async
// generator inherits from.
const asyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(
  Object.getPrototypeOf((async function* () {})())));

Object.defineProperty(globalThis, '__core-js_shared__', {
  value: { AsyncIteratorPrototype: asyncIteratorPrototype },
  writable: true,
  enumerable: false,
  configurable: true,
});
