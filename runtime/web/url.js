// URL and URLSearchParams. Parsing, serializing, host parsing (IPv4, IPv6,
// IDNA through tr46) and percent-encoding come from whatwg-url, the WHATWG
// reference implementation; these classes are the WebIDL layer on top,
// written here so that argument checks and error messages are workerd's
// ("Invalid URL string.") rather than whatwg-url's.

import { returnLentGlobals } from './url_prelude.js';
import usm from '../../third_party/npm/node_modules/whatwg-url/lib/url-state-machine.js';
import urlencoded from '../../third_party/npm/node_modules/whatwg-url/lib/urlencoded.js';
import { kInspect } from './inspect_hook.js';
import {
  EntryIterator,
  finishInterface,
  illegalInvocation,
  KeyIterator,
  listIterator,
  requireArgs,
  requireNew,
  toUSVString,
  ValueIterator,
  wrongConstructorArg,
} from './webidl.js';

returnLentGlobals();

const kInvalidURL = 'Invalid URL string.';

// Parses `input` against an optional base string; null when either fails.
function parse(input, base) {
  let parsedBase = null;
  if (base !== undefined) {
    parsedBase = usm.basicURLParse(toUSVString(base));
    if (parsedBase === null) return null;
  }
  return usm.basicURLParse(toUSVString(input), { baseURL: parsedBase });
}

// Parses an absolute URL string; null on failure. For the other modules
// (Request, Response.redirect), which have their own error messages.
export function parseURL(input, base = undefined) {
  const record = parse(input, base);
  return record === null ? null : usm.serializeURL(record);
}

// Cross-class access to private state, set up by static blocks.
let urlRecord;
let newSearchParams;
let setSearchParamsList;

// ===========================================================================
// URL

export class URL {
  // The URL record of the URL standard, owned and changed in place.
  #url;
  #searchParams;

  constructor(url, base = undefined) {
    requireNew(new.target, 'URL');
    if (arguments.length < 1) {
      throw wrongConstructorArg('URL', 1, 'USVString');
    }
    const record = parse(url, base);
    if (record === null) throw new TypeError(kInvalidURL);
    this.#url = record;
    this.#searchParams = newSearchParams(this);
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#url in self)) {
      throw illegalInvocation();
    }
  }

  static {
    urlRecord = (url) => url.#url;
  }

  static canParse(url, base = undefined) {
    requireArgs(arguments, 1, 'canParse', 'URL', ['USVString']);
    return parse(url, base) !== null;
  }

  static parse(url, base = undefined) {
    requireArgs(arguments, 1, 'parse', 'URL', ['USVString']);
    try {
      return new URL(url, base);
    } catch {
      return null;
    }
  }

  get origin() {
    URL.#check(this);
    return usm.serializeURLOrigin(this.#url);
  }

  get href() {
    URL.#check(this);
    return usm.serializeURL(this.#url);
  }

  set href(value) {
    URL.#check(this);
    const record = usm.basicURLParse(toUSVString(value));
    if (record === null) {
      throw new TypeError(
        "Failed to set the 'href' property on 'URL': the provided value is " +
          "not of type 'valid URL string'.",
      );
    }
    this.#url = record;
    this.#resetQuery();
  }

  get protocol() {
    URL.#check(this);
    return `${this.#url.scheme}:`;
  }

  set protocol(value) {
    URL.#check(this);
    usm.basicURLParse(`${toUSVString(value)}:`, {
      url: this.#url,
      stateOverride: 'scheme start',
    });
  }

  get username() {
    URL.#check(this);
    return this.#url.username;
  }

  set username(value) {
    URL.#check(this);
    if (usm.cannotHaveAUsernamePasswordPort(this.#url)) return;
    usm.setTheUsername(this.#url, toUSVString(value));
  }

  get password() {
    URL.#check(this);
    return this.#url.password;
  }

  set password(value) {
    URL.#check(this);
    if (usm.cannotHaveAUsernamePasswordPort(this.#url)) return;
    usm.setThePassword(this.#url, toUSVString(value));
  }

  get host() {
    URL.#check(this);
    const url = this.#url;
    if (url.host === null) return '';
    const host = usm.serializeHost(url.host);
    return url.port === null ? host
      : `${host}:${usm.serializeInteger(url.port)}`;
  }

  set host(value) {
    URL.#check(this);
    if (usm.hasAnOpaquePath(this.#url)) return;
    usm.basicURLParse(toUSVString(value), {
      url: this.#url,
      stateOverride: 'host',
    });
  }

  get hostname() {
    URL.#check(this);
    return this.#url.host === null ? '' : usm.serializeHost(this.#url.host);
  }

  set hostname(value) {
    URL.#check(this);
    if (usm.hasAnOpaquePath(this.#url)) return;
    usm.basicURLParse(toUSVString(value), {
      url: this.#url,
      stateOverride: 'hostname',
    });
  }

  get port() {
    URL.#check(this);
    return this.#url.port === null ? ''
      : usm.serializeInteger(this.#url.port);
  }

  set port(value) {
    URL.#check(this);
    if (usm.cannotHaveAUsernamePasswordPort(this.#url)) return;
    value = toUSVString(value);
    if (value === '') {
      this.#url.port = null;
    } else {
      usm.basicURLParse(value, { url: this.#url, stateOverride: 'port' });
    }
  }

  get pathname() {
    URL.#check(this);
    return usm.serializePath(this.#url);
  }

  set pathname(value) {
    URL.#check(this);
    if (usm.hasAnOpaquePath(this.#url)) return;
    this.#url.path = [];
    usm.basicURLParse(toUSVString(value), {
      url: this.#url,
      stateOverride: 'path start',
    });
  }

  get search() {
    URL.#check(this);
    const query = this.#url.query;
    return query === null || query === '' ? '' : `?${query}`;
  }

  set search(value) {
    URL.#check(this);
    value = toUSVString(value);
    if (value === '') {
      this.#url.query = null;
      setSearchParamsList(this.#searchParams, []);
      return;
    }
    const input = value[0] === '?' ? value.substring(1) : value;
    this.#url.query = '';
    usm.basicURLParse(input, { url: this.#url, stateOverride: 'query' });
    setSearchParamsList(
      this.#searchParams,
      urlencoded.parseUrlencodedString(input),
    );
  }

  get hash() {
    URL.#check(this);
    const fragment = this.#url.fragment;
    return fragment === null || fragment === '' ? '' : `#${fragment}`;
  }

  set hash(value) {
    URL.#check(this);
    value = toUSVString(value);
    if (value === '') {
      this.#url.fragment = null;
      return;
    }
    const input = value[0] === '#' ? value.substring(1) : value;
    this.#url.fragment = '';
    usm.basicURLParse(input, { url: this.#url, stateOverride: 'fragment' });
  }

  get searchParams() {
    URL.#check(this);
    return this.#searchParams;
  }

  toJSON() {
    URL.#check(this);
    return usm.serializeURL(this.#url);
  }

  toString() {
    URL.#check(this);
    return usm.serializeURL(this.#url);
  }

  #resetQuery() {
    const query = this.#url.query;
    setSearchParamsList(
      this.#searchParams,
      query === null ? [] : urlencoded.parseUrlencodedString(query),
    );
  }

  [kInspect]() {
    return {
      name: 'URL',
      props: [
        'origin', 'href', 'protocol', 'username', 'password', 'host',
        'hostname', 'port', 'pathname', 'search', 'hash', 'searchParams',
      ].map((key) => [key, this[key]]),
    };
  }
}

Object.defineProperty(URL.prototype, Symbol.toStringTag, {
  value: 'URL',
  configurable: true,
});
finishInterface(URL);

// ===========================================================================
// URLSearchParams

const kNotSequence =
  "Incorrect type: the provided value is not of type 'Sequence'.";

function listFromInit(init) {
  if (init === undefined) return [];
  if (init !== null && (typeof init === 'object' ||
      typeof init === 'function')) {
    if (typeof init[Symbol.iterator] === 'function') {
      return listFromSequence(init);
    }
    const list = [];
    for (const key of Reflect.ownKeys(init)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
      if (descriptor === undefined || !descriptor.enumerable) continue;
      if (typeof key === 'symbol') continue;
      list.push([toUSVString(key), toUSVString(init[key])]);
    }
    return list;
  }
  let string = toUSVString(init);
  if (string[0] === '?') string = string.slice(1);
  return urlencoded.parseUrlencodedString(string);
}

function listFromSequence(init) {
  const list = [];
  for (const pair of init) {
    if (pair === null || typeof pair !== 'object' ||
        typeof pair[Symbol.iterator] !== 'function') {
      throw new TypeError(kNotSequence);
    }
    const items = [...pair];
    if (items.length !== 2) {
      throw new TypeError('Invalid URL search params sequence.');
    }
    list.push([toUSVString(items[0]), toUSVString(items[1])]);
  }
  return list;
}

export class URLSearchParams {
  #list = [];
  // The URL whose query this object mirrors, or null.
  #url = null;

  constructor(init = undefined) {
    requireNew(new.target, 'URLSearchParams');
    this.#list = listFromInit(init);
  }

  static {
    newSearchParams = (url) => {
      const params = new URLSearchParams();
      const query = urlRecord(url).query;
      if (query !== null) {
        params.#list = urlencoded.parseUrlencodedString(query);
      }
      params.#url = url;
      return params;
    };
    setSearchParamsList = (params, list) => {
      params.#list = list;
    };
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#list in self)) {
      throw illegalInvocation();
    }
  }

  // Writes the list back into the URL's query (the "update steps").
  #update() {
    if (this.#url === null) return;
    const serialized = urlencoded.serializeUrlencoded(this.#list);
    urlRecord(this.#url).query = serialized === '' ? null : serialized;
  }

  get size() {
    URLSearchParams.#check(this);
    return this.#list.length;
  }

  append(name, value) {
    URLSearchParams.#check(this);
    requireArgs(arguments, 2, 'append', 'URLSearchParams',
      ['USVString', 'USVString']);
    this.#list.push([toUSVString(name), toUSVString(value)]);
    this.#update();
  }

  delete(name, value = undefined) {
    URLSearchParams.#check(this);
    requireArgs(arguments, 1, 'delete', 'URLSearchParams', ['USVString']);
    name = toUSVString(name);
    if (value !== undefined) value = toUSVString(value);
    this.#list = this.#list.filter(
      ([n, v]) => n !== name || (value !== undefined && v !== value),
    );
    this.#update();
  }

  get(name) {
    URLSearchParams.#check(this);
    requireArgs(arguments, 1, 'get', 'URLSearchParams', ['USVString']);
    name = toUSVString(name);
    const found = this.#list.find(([n]) => n === name);
    return found === undefined ? null : found[1];
  }

  getAll(name) {
    URLSearchParams.#check(this);
    requireArgs(arguments, 1, 'getAll', 'URLSearchParams', ['USVString']);
    name = toUSVString(name);
    return this.#list.filter(([n]) => n === name).map(([, v]) => v);
  }

  has(name, value = undefined) {
    URLSearchParams.#check(this);
    requireArgs(arguments, 1, 'has', 'URLSearchParams', ['USVString']);
    name = toUSVString(name);
    if (value !== undefined) value = toUSVString(value);
    return this.#list.some(
      ([n, v]) => n === name && (value === undefined || v === value),
    );
  }

  set(name, value) {
    URLSearchParams.#check(this);
    requireArgs(arguments, 2, 'set', 'URLSearchParams',
      ['USVString', 'USVString']);
    name = toUSVString(name);
    value = toUSVString(value);
    const index = this.#list.findIndex(([n]) => n === name);
    if (index === -1) {
      this.#list.push([name, value]);
    } else {
      this.#list[index][1] = value;
      this.#list = this.#list.filter(([n], i) => i <= index || n !== name);
    }
    this.#update();
  }

  // Stable sort by name in UTF-16 code units, as the spec says.
  sort() {
    URLSearchParams.#check(this);
    this.#list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#update();
  }

  // The iterators are live: they read the list at each step.
  entries() {
    URLSearchParams.#check(this);
    return listIterator(EntryIterator, () => this.#list, (e) => [...e]);
  }

  keys() {
    URLSearchParams.#check(this);
    return listIterator(KeyIterator, () => this.#list, (e) => e[0]);
  }

  values() {
    URLSearchParams.#check(this);
    return listIterator(ValueIterator, () => this.#list, (e) => e[1]);
  }

  forEach(callback, thisArg = undefined) {
    URLSearchParams.#check(this);
    if (typeof callback !== 'function') {
      throw new TypeError(
        "Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is " +
          "not of type 'function'.",
      );
    }
    for (let i = 0; i < this.#list.length; i++) {
      const [name, value] = this.#list[i];
      callback.call(thisArg, value, name, this);
    }
  }

  toString() {
    URLSearchParams.#check(this);
    return urlencoded.serializeUrlencoded(this.#list);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  [kInspect]() {
    return {
      name: 'URLSearchParams',
      size: this.#list.length,
      entries: this.#list.map(([name, value]) => [name, value]),
      props: [],
    };
  }
}

Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, {
  value: 'URLSearchParams',
  configurable: true,
});
finishInterface(URLSearchParams);

// The urlencoded form of a URLSearchParams, for a request or response body.
export function searchParamsToString(params) {
  return URLSearchParams.prototype.toString.call(params);
}
