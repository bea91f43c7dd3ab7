// Headers, as workerd implements it: names are lowercased and checked as
// HTTP tokens, values trimmed and checked, iteration is sorted by name with
// each Set-Cookie kept apart, and a guard makes a Headers immutable (the
// headers of an incoming request or of Response.redirect()).

import { kInspect } from './inspect_hook.js';
import {
  EntryIterator,
  finishInterface,
  illegalInvocation,
  KeyIterator,
  listIterator,
  requireArgs,
  requireNew,
  roundTripUtf8,
  ValueIterator,
  wrongConstructorArg,
} from './webidl.js';

// ===========================================================================
// Names and values

// Bytes allowed in a name besides letters and digits (RFC 9110 tchar).
// workerd checks the UTF-8 bytes of the name and lets every byte >= 0x80
// through, so non-ASCII names are accepted.
const kTokenAscii = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*$/;
const kNonTokenAscii = /[\x00-\x20"(),/:;<=>?@[\\\]{}\x7f]/;

function invalidName() {
  return new TypeError('Invalid header name.');
}

// workerd lowercases a name byte by byte on its UTF-8 form, treating bytes
// 0xC0-0xDE as Latin-1 capitals. That breaks two-byte sequences, which then
// decode to U+FFFD; three- and four-byte characters survive. Reproduced
// here so that names compare and print the same as on workerd.
function lowercaseNonAscii(name) {
  const bytes = [];
  for (const char of roundTripUtf8(name)) {
    const code = char.codePointAt(0);
    if (code < 0x80) {
      bytes.push(code >= 0x41 && code <= 0x5a ? code + 0x20 : code);
    } else if (code < 0x800) {
      const lead = 0xc0 | (code >> 6);
      bytes.push(lead <= 0xde ? lead + 0x20 : lead, 0x80 | (code & 0x3f));
    } else {
      bytes.push(...longUtf8Bytes(code));
    }
  }
  return decodeUtf8Bytes(bytes);
}

// The UTF-8 bytes of one code point of three or four bytes.
function longUtf8Bytes(code) {
  if (code < 0x10000) {
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f),
      0x80 | (code & 0x3f)];
  }
  return [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f),
    0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
}

// A small WHATWG UTF-8 decode for the few bytes of a header name.
function decodeUtf8Bytes(bytes) {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let needed = 0;
    let code = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      needed = 1;
      code = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      needed = 2;
      code = b & 0xf;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      needed = 3;
      code = b & 0x7;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else {
      out += '\ufffd';
      i++;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < needed; k++, j++) {
      const c = bytes[j];
      if (c === undefined || c < lower || c > upper) {
        ok = false;
        break;
      }
      code = (code << 6) | (c & 0x3f);
      lower = 0x80;
      upper = 0xbf;
    }
    out += ok ? String.fromCodePoint(code) : '\ufffd';
    i = j;
  }
  return out;
}

// Returns the name as stored and printed: checked, then lowercased.
export function normalizeHeaderName(name) {
  name = `${name}`;
  if (kTokenAscii.test(name)) return name.toLowerCase();
  if (kNonTokenAscii.test(name)) throw invalidName();
  return lowercaseNonAscii(name);
}

const kHttpWhitespace = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const kInvalidValue = /[\0\n\r]/;

// Returns the value as stored: trimmed of HTTP whitespace, then checked.
export function normalizeHeaderValue(value) {
  value = `${value}`.replace(kHttpWhitespace, '');
  if (kInvalidValue.test(value)) {
    throw new TypeError('Invalid header value.');
  }
  return roundTripUtf8(value);
}

// ===========================================================================
// Headers

// Iterates over a copy of the list made when iteration starts: workerd's
// Headers iterators do not see later changes.
function snapshotIterator(Class, list, pick) {
  return listIterator(Class, () => list, pick);
}

function sortKey(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function initError(context) {
  if (context === undefined) {
    return wrongConstructorArg('Headers', 1, 'Headers or Sequence or object');
  }
  return new TypeError(
    `Incorrect type for the 'headers' field on '${context}': the provided ` +
      "value is not of type 'Headers or Sequence or object'.",
  );
}

let headersList;
let headersSetGuard;

export class Headers {
  // name -> values, in insertion order per name.
  #map = new Map();
  #immutable = false;

  constructor(init = undefined) {
    requireNew(new.target, 'Headers');
    fillHeaders(this, init, undefined);
  }

  static {
    headersList = (headers) => headers.#list();
    headersSetGuard = (headers, immutable) => {
      headers.#immutable = immutable;
    };
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#map in self)) {
      throw illegalInvocation();
    }
  }

  #checkMutable() {
    if (this.#immutable) {
      throw new TypeError("Can't modify immutable headers.");
    }
  }

  // The sorted [name, value] list that iteration shows.
  #list() {
    const out = [];
    for (const name of [...this.#map.keys()].sort(sortKey)) {
      const values = this.#map.get(name);
      if (name === 'set-cookie') {
        for (const value of values) out.push([name, value]);
      } else {
        out.push([name, values.join(', ')]);
      }
    }
    return out;
  }

  get(name) {
    Headers.#check(this);
    requireArgs(arguments, 1, 'get', 'Headers', ['string']);
    const values = this.#map.get(normalizeHeaderName(name));
    return values === undefined ? null : values.join(', ');
  }

  getAll(name) {
    Headers.#check(this);
    requireArgs(arguments, 1, 'getAll', 'Headers', ['string']);
    const key = normalizeHeaderName(name);
    if (key !== 'set-cookie') {
      throw new TypeError(
        'getAll() can only be used with the header name "Set-Cookie".',
      );
    }
    return [...(this.#map.get(key) ?? [])];
  }

  getSetCookie() {
    Headers.#check(this);
    return [...(this.#map.get('set-cookie') ?? [])];
  }

  has(name) {
    Headers.#check(this);
    requireArgs(arguments, 1, 'has', 'Headers', ['string']);
    return this.#map.has(normalizeHeaderName(name));
  }

  set(name, value) {
    Headers.#check(this);
    requireArgs(arguments, 2, 'set', 'Headers', ['string', 'string']);
    const key = normalizeHeaderName(name);
    const normalized = normalizeHeaderValue(value);
    this.#checkMutable();
    this.#map.set(key, [normalized]);
  }

  append(name, value) {
    Headers.#check(this);
    requireArgs(arguments, 2, 'append', 'Headers', ['string', 'string']);
    const key = normalizeHeaderName(name);
    const normalized = normalizeHeaderValue(value);
    this.#checkMutable();
    const values = this.#map.get(key);
    if (values === undefined) {
      this.#map.set(key, [normalized]);
    } else {
      values.push(normalized);
    }
  }

  delete(name) {
    Headers.#check(this);
    requireArgs(arguments, 1, 'delete', 'Headers', ['string']);
    const key = normalizeHeaderName(name);
    this.#checkMutable();
    this.#map.delete(key);
  }

  // Iterates over a snapshot, as workerd does: changes made by the
  // callback are not seen.
  forEach(callback, thisArg = undefined) {
    Headers.#check(this);
    if (typeof callback !== 'function') {
      throw new TypeError(
        "Failed to execute 'forEach' on 'Headers': parameter 1 is not of " +
          "type 'function'.",
      );
    }
    for (const [name, value] of this.#list()) {
      callback.call(thisArg, value, name, this);
    }
  }

  entries() {
    Headers.#check(this);
    return snapshotIterator(EntryIterator, this.#list(), (entry) => [...entry]);
  }

  keys() {
    Headers.#check(this);
    return snapshotIterator(KeyIterator, this.#list(), (entry) => entry[0]);
  }

  values() {
    Headers.#check(this);
    return snapshotIterator(ValueIterator, this.#list(), (entry) => entry[1]);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  [kInspect]() {
    const list = this.#list();
    return {
      name: 'Headers',
      size: list.length,
      entries: list,
      props: [['immutable', this.#immutable, true]],
    };
  }
}

Object.defineProperty(Headers.prototype, Symbol.toStringTag, {
  value: 'Headers',
  configurable: true,
});
finishInterface(Headers);

// Fills `headers` from a HeadersInit. `context` names the init dictionary
// (as in "Incorrect type for the 'headers' field on 'InitializerDict'")
// or is undefined for the Headers constructor itself.
export function fillHeaders(headers, init, context) {
  if (init === undefined) return;
  if (init === null || (typeof init !== 'object' &&
      typeof init !== 'function')) {
    throw initError(context);
  }
  if (init instanceof Headers) {
    for (const [name, value] of headersList(init)) {
      headers.append(name, value);
    }
    return;
  }
  if (typeof init[Symbol.iterator] === 'function') {
    for (const pair of init) {
      if (pair === null || typeof pair !== 'object' ||
          typeof pair[Symbol.iterator] !== 'function') {
        throw new TypeError(
          "Incorrect type: the provided value is not of type 'Sequence'.",
        );
      }
      const items = [...pair];
      if (items.length !== 2) {
        throw new TypeError(
          'To initialize a Headers object from a sequence, each inner ' +
            'sequence must have exactly two elements.',
        );
      }
      headers.append(items[0], items[1]);
    }
    return;
  }
  for (const key of Reflect.ownKeys(init)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
    if (descriptor === undefined || !descriptor.enumerable) continue;
    if (typeof key === 'symbol') continue;
    headers.append(key, init[key]);
  }
}

// The sorted [name, value] pairs of a Headers, Set-Cookie kept apart; what
// goes on the wire.
export function headersToList(headers) {
  return headersList(headers);
}

// Makes a Headers immutable ("Can't modify immutable headers."), as
// workerd does for an incoming request and for Response.redirect().
export function makeHeadersImmutable(headers) {
  headersSetGuard(headers, true);
}
