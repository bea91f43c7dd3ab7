// URLPattern from urlpattern-polyfill, an implementation of the WHATWG
// URLPattern standard; it parses through the global URL (runtime/web/url.js).

import { URLPattern } from '../../third_party/npm/node_modules/urlpattern-polyfill/dist/urlpattern.js';

Object.defineProperty(URLPattern.prototype, Symbol.toStringTag, {
  value: 'URLPattern',
  configurable: true,
});

export { URLPattern };
