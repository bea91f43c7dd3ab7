// Lends TextEncoder and TextDecoder to the global scope while whatwg-url
// loads: its lib/encoding.js builds one of each from the globals when it is
// first required, and the bare V8 context the bundle runs in has none yet.
// url.js imports this module before whatwg-url and calls
// returnLentGlobals() right after, so the Worker's globals are left to
// runtime/index.js to install.

import { TextDecoder, TextEncoder } from './encoding.js';

const lent = [];
for (const [name, value] of [
  ['TextEncoder', TextEncoder],
  ['TextDecoder', TextDecoder],
]) {
  if (!(name in globalThis)) {
    globalThis[name] = value;
    lent.push(name);
  }
}

export function returnLentGlobals() {
  for (const name of lent.splice(0)) delete globalThis[name];
}
