// Request, as workerd implements it (method names upper-cased from a fixed
// list, only "follow" and "manual" redirects, cache "no-store" or unset),
// and requestFromWire(), which the host calls to turn an incoming HTTP
// request into the Request a fetch handler receives.

import {
  Body,
  bodyHasContent,
  extractBody,
  getBodyState,
  kBodyConstruct,
} from './body.js';
import { fillHeaders, Headers, makeHeadersImmutable } from './headers.js';
import { AbortSignal, newAbortSignal } from './events.js';
import { kInspect } from './inspect_hook.js';
import { readableFromHost } from './io.js';
import { parseURL } from './url.js';
import {
  finishInterface,
  illegalInvocation,
  requireNew,
  wrongConstructorArg,
} from './webidl.js';

// The methods workerd knows (kj::HttpMethod), matched without regard to
// case. CONNECT is not among them.
const kMethods = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'PURGE', 'OPTIONS',
  'TRACE', 'COPY', 'LOCK', 'MKCOL', 'MOVE', 'PROPFIND', 'PROPPATCH',
  'SEARCH', 'UNLOCK', 'ACL', 'REPORT', 'MKACTIVITY', 'CHECKOUT', 'MERGE',
  'MSEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'QUERY',
]);

function normalizeMethod(method) {
  method = `${method}`;
  const upper = method.toUpperCase();
  if (!kMethods.has(upper)) {
    throw new TypeError(`Invalid HTTP method string: ${method}`);
  }
  return upper;
}

function checkRedirect(redirect) {
  redirect = `${redirect}`;
  if (redirect !== 'follow' && redirect !== 'manual') {
    throw new TypeError(
      'Invalid redirect value, must be one of "follow" or "manual" ("error" ' +
        "won't be implemented since it does not make sense at the edge; use " +
        '"manual" and check the response status code).',
    );
  }
  return redirect;
}

function checkCache(cache) {
  if (cache === undefined) return undefined;
  cache = `${cache}`;
  if (cache !== 'no-store') {
    throw new TypeError(`Unsupported cache mode: ${cache}`);
  }
  return cache;
}

function checkSignal(signal) {
  if (signal === undefined || signal === null) return null;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(
      "Incorrect type for the 'signal' field on 'RequestInitializerDict': " +
        "the provided value is not of type 'AbortSignal'.",
    );
  }
  return signal;
}

function neverAbortedSignal() {
  return newAbortSignal();
}

const kConstruct = Symbol('Request');

// Reads a Request's private fields; set by the class's static block.
let requestFieldsOf;

export class Request extends Body {
  #method;
  #url;
  #headers;
  #redirect;
  #signal;
  #cf;
  #cache;

  constructor(input, init = undefined) {
    requireNew(new.target, 'Request');
    if (input === kConstruct) {
      // Internal construction from already checked fields.
      super(kBodyConstruct, init.source);
      this.#assign(init);
      return;
    }
    const fields = requestFields(arguments.length, input, init);
    super(kBodyConstruct, fields.source);
    this.#assign(fields);
  }

  #assign(fields) {
    this.#method = fields.method;
    this.#url = fields.url;
    this.#headers = fields.headers;
    this.#redirect = fields.redirect;
    this.#signal = fields.signal;
    this.#cf = fields.cf;
    this.#cache = fields.cache;
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#method in self)) {
      throw illegalInvocation();
    }
  }

  static {
    requestFieldsOf = (request) => ({
      method: request.#method,
      url: request.#url,
      headers: request.#headers,
      redirect: request.#redirect,
      signal: request.#signal,
      cf: request.#cf,
      cache: request.#cache,
    });
  }

  clone() {
    Request.#check(this);
    const source = getBodyState(this).tee();
    const headers = new Headers(this.#headers);
    return new Request(kConstruct, {
      ...requestFieldsOf(this),
      headers,
      signal: neverAbortedSignal(),
      source,
    });
  }

  get method() {
    Request.#check(this);
    return this.#method;
  }

  get url() {
    Request.#check(this);
    return this.#url;
  }

  get headers() {
    Request.#check(this);
    return this.#headers;
  }

  get redirect() {
    Request.#check(this);
    return this.#redirect;
  }

  get fetcher() {
    Request.#check(this);
    return null;
  }

  get signal() {
    Request.#check(this);
    return this.#signal;
  }

  get cf() {
    Request.#check(this);
    return this.#cf;
  }

  get integrity() {
    Request.#check(this);
    return '';
  }

  get keepalive() {
    Request.#check(this);
    return false;
  }

  get cache() {
    Request.#check(this);
    return this.#cache;
  }

  [kInspect]() {
    return {
      name: 'Request',
      props: [
        'method', 'url', 'headers', 'redirect', 'fetcher', 'signal', 'cf',
        'integrity', 'keepalive', 'cache', 'body', 'bodyUsed',
      ].map((key) => [key, this[key]]),
    };
  }
}

Object.defineProperty(Request.prototype, Symbol.toStringTag, {
  value: 'Request',
  configurable: true,
});
finishInterface(Request);

// Works out every field of a new Request(input, init), in the order
// workerd checks them, before anything is taken from `input`.
function requestFields(argumentCount, input, init) {
  if (argumentCount < 1) {
    throw wrongConstructorArg('Request', 1, 'Request or string');
  }
  if (init === null) init = undefined;
  if (init !== undefined && typeof init !== 'object' &&
      typeof init !== 'function') {
    throw wrongConstructorArg('Request', 2,
      'RequestInitializerDict or Request');
  }
  init ??= {};

  let fields;
  let inputBody = null;
  if (input instanceof Request) {
    fields = { ...requestFieldsOf(input) };
    inputBody = getBodyState(input);
  } else {
    const url = parseURL(`${input}`);
    if (url === null) throw new TypeError(`Invalid URL: ${input}`);
    fields = {
      method: 'GET',
      url,
      headers: null,
      redirect: 'follow',
      signal: null,
      cf: undefined,
      cache: undefined,
    };
  }

  if (init.method !== undefined) fields.method = normalizeMethod(init.method);
  if (init.redirect !== undefined) {
    fields.redirect = checkRedirect(init.redirect);
  }
  if (init.cache !== undefined) fields.cache = checkCache(init.cache);
  if (init.cf !== undefined) fields.cf = init.cf;
  if ('signal' in init) fields.signal = checkSignal(init.signal);

  const headers = new Headers();
  if (init.headers !== undefined) {
    fillHeaders(headers, init.headers, 'RequestInitializerDict');
  } else if (fields.headers !== null) {
    fillHeaders(headers, fields.headers, undefined);
  }
  fields.headers = headers;

  // The body: from init when given there, else taken over from `input`.
  let source = null;
  let contentType = null;
  let takeFromInput = false;
  if (init.body !== undefined) {
    ({ source, contentType } = extractBody(init.body));
  } else if (inputBody !== null && inputBody.source() !== null) {
    if (inputBody.used()) {
      throw new TypeError('Cannot reconstruct a Request with a used body.');
    }
    source = inputBody.source();
    takeFromInput = true;
  }
  if (source !== null && (fields.method === 'GET' ||
      fields.method === 'HEAD')) {
    throw new TypeError(
      'Request with a GET or HEAD method cannot have a body.',
    );
  }
  if (contentType !== null && !headers.has('content-type')) {
    headers.set('content-type', contentType);
  }
  if (takeFromInput) inputBody.markUsed();

  fields.signal ??= neverAbortedSignal();
  fields.source = source;
  return fields;
}

// Builds the Request a fetch handler receives from what the host parsed:
// { method, url, headers: [[name, value], ...], body: Uint8Array | null,
// cf? }. As on workerd, its headers are immutable and its redirect mode
// is "manual". The body bytes are taken over, not copied.
export function requestFromWire(wire) {
  const headers = new Headers();
  for (const [name, value] of wire.headers) headers.append(name, value);
  makeHeadersImmutable(headers);
  // A body streaming in from the host (a large or chunked upload), or whole
  // bytes; `hasBody` says whether the request came with one at all, as a
  // Content-Length or Transfer-Encoding header tells.
  let body = wire.body ?? null;
  if (wire.bodyStream) body = readableFromHost(wire.bodyStream);
  let source = bodyHasContent(body) || wire.method !== 'GET' ? body : null;
  if (wire.hasBody !== undefined) source = wire.hasBody ? body : null;
  return new Request(kConstruct, {
    method: wire.method,
    url: wire.url,
    headers,
    redirect: 'manual',
    signal: neverAbortedSignal(),
    cf: wire.cf,
    cache: undefined,
    source,
  });
}
