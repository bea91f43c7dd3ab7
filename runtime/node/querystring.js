// node:querystring on the `querystring-es3` npm package (Node's module
// for bundlers), with escape() and unescape() as Node defines them.

import { getBuffer } from './buffer.js';
import { moduleExports } from './module_table.js';

function escape(text) {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function unescape(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return unescapeBuffer(text).toString();
  }
}

function unescapeBuffer(text) {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    const hex = text.slice(i + 1, i + 3);
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(...getBuffer().from(text[i]));
    }
  }
  return getBuffer().from(out);
}

export function querystringModule() {
  const qs = require('querystring-es3');
  return moduleExports({
    decode: qs.decode,
    encode: qs.encode,
    escape,
    parse: qs.parse,
    stringify: qs.stringify,
    unescape,
    unescapeBuffer,
  });
}
