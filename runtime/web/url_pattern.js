// URLPattern from urlpattern-polyfill, an implementation of the WHATWG
// URLPattern standard; it parses through the global URL (runtime/web/url.js).

import { inspectByGetters } from './inspect_hook.js';
import { URLPattern } from '../../third_party/npm/node_modules/urlpattern-polyfill/dist/urlpattern.js';

Object.defineProperty(URLPattern.prototype, Symbol.toStringTag, {
  value: 'URLPattern',
  configurable: true,
});

// jsg lists an interface's attributes as enumerable, the polyfill's class
// getters are not.
for (const key of Object.getOwnPropertyNames(URLPattern.prototype)) {
  const descriptor = Object.getOwnPropertyDescriptor(URLPattern.prototype, key);
  if (key !== 'constructor') {
    Object.defineProperty(URLPattern.prototype, key,
      { ...descriptor, enumerable: true });
  }
}
inspectByGetters(URLPattern, 'URLPattern');

export { URLPattern };
