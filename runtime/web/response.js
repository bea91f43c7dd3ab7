// Response, with Response.json(), Response.redirect() and Response.error(),
// checked as workerd checks them (status 200-599, null-body statuses,
// statusText without control characters), and responseToWire(), which the
// host calls on whatever a fetch handler returned.

import {
  Body,
  bodyHasContent,
  extractBody,
  getBodyState,
  kBodyConstruct,
} from './body.js';
import {
  fillHeaders,
  Headers,
  headersToList,
  makeHeadersImmutable,
} from './headers.js';
import { kInspect } from './inspect_hook.js';
import { pumpToHost } from './io.js';
import { isWebSocket, webSocketState } from './websocket.js';
import { parseURL } from './url.js';
import {
  finishInterface,
  illegalInvocation,
  requireArgs,
  requireNew,
  roundTripUtf8,
  toInt32,
  wrongConstructorArg,
} from './webidl.js';

const kNullBodyStatuses = new Set([101, 204, 205, 304]);
const kRedirectStatuses = new Set([301, 302, 303, 307, 308]);

function checkStatus(status, webSocket = null) {
  if (status === undefined) return 200;
  status = toInt32(status);
  if (webSocket !== null && status !== 101) {
    throw new RangeError('Responses with a WebSocket must have status code 101.');
  }
  if (status === 101 && webSocket !== null) return status;
  if (status < 200 || status > 599) {
    throw new RangeError(
      'Responses may only be constructed with status codes in the range ' +
        '200 to 599, inclusive.',
    );
  }
  return status;
}

function checkStatusText(statusText) {
  if (statusText === undefined) return '';
  statusText = `${statusText}`;
  if (/[\x00-\x1f]/.test(statusText)) {
    throw new TypeError('Invalid statusText');
  }
  return roundTripUtf8(statusText);
}

function checkEncodeBody(encodeBody) {
  if (encodeBody === undefined) return 'automatic';
  encodeBody = `${encodeBody}`;
  if (encodeBody !== 'automatic' && encodeBody !== 'manual') {
    throw new TypeError(`encodeBody: unexpected value: ${encodeBody}`);
  }
  return encodeBody;
}

const kConstruct = Symbol('Response');

// Reads a Response's private fields; set by the class's static block.
let responseFieldsOf;

export class Response extends Body {
  #status;
  #statusText;
  #headers;
  #type;
  #cf;
  #encodeBody;
  #webSocket;
  #url;
  #redirected;

  constructor(body = null, init = undefined) {
    requireNew(new.target, 'Response');
    if (body === kConstruct) {
      super(kBodyConstruct, init.source);
      this.#assign(init);
      return;
    }
    const fields = responseFields(body, init);
    super(kBodyConstruct, fields.source);
    this.#assign(fields);
  }

  #assign(fields) {
    this.#status = fields.status;
    this.#statusText = fields.statusText;
    this.#headers = fields.headers;
    this.#type = fields.type;
    this.#cf = fields.cf;
    this.#encodeBody = fields.encodeBody;
    this.#webSocket = fields.webSocket ?? null;
    this.#url = fields.url ?? '';
    this.#redirected = fields.redirected ?? false;
  }

  static {
    responseFieldsOf = (response) => ({
      status: response.#status,
      statusText: response.#statusText,
      headers: response.#headers,
      type: response.#type,
      cf: response.#cf,
      encodeBody: response.#encodeBody,
      webSocket: response.#webSocket,
      url: response.#url,
      redirected: response.#redirected,
    });
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#status in self)) {
      throw illegalInvocation();
    }
  }

  static error() {
    return new Response(kConstruct, {
      ...defaultFields(),
      status: 0,
      type: 'error',
    });
  }

  static redirect(url, status = 302) {
    requireArgs(arguments, 1, 'redirect', 'Response', ['string']);
    const location = parseURL(`${url}`);
    if (location === null) throw new TypeError(`Unable to parse URL: ${url}`);
    status = toInt32(status);
    if (!kRedirectStatuses.has(status)) {
      throw new RangeError(
        `${status} is not a redirect status code. It must be one of: 301, ` +
          '302, 303, 307, or 308.',
      );
    }
    const headers = new Headers([['location', location]]);
    makeHeadersImmutable(headers);
    return new Response(kConstruct, {
      ...defaultFields(),
      status,
      headers,
    });
  }

  static json(data, init = undefined) {
    requireArgs(arguments, 1, 'json', 'Response', ['Value']);
    const text = `${JSON.stringify(data)}`;
    const fields = responseFields(text, init);
    if (!fields.headers.has('content-type') ||
        fields.impliedContentType) {
      fields.headers.set('content-type', 'application/json');
    }
    return new Response(kConstruct, fields);
  }

  clone() {
    Response.#check(this);
    const source = getBodyState(this).tee();
    return new Response(kConstruct, {
      ...responseFieldsOf(this),
      headers: new Headers(this.#headers),
      source,
    });
  }

  get status() {
    Response.#check(this);
    return this.#status;
  }

  get statusText() {
    Response.#check(this);
    return this.#statusText;
  }

  get headers() {
    Response.#check(this);
    return this.#headers;
  }

  get ok() {
    Response.#check(this);
    return this.#status >= 200 && this.#status <= 299;
  }

  get redirected() {
    Response.#check(this);
    return this.#redirected;
  }

  get url() {
    Response.#check(this);
    return this.#url;
  }

  get webSocket() {
    Response.#check(this);
    return this.#webSocket;
  }

  get cf() {
    Response.#check(this);
    return this.#cf;
  }

  get type() {
    Response.#check(this);
    return this.#type;
  }

  [kInspect]() {
    return {
      name: 'Response',
      props: [
        'status', 'statusText', 'headers', 'ok', 'redirected', 'url',
        'webSocket', 'cf', 'type', 'body', 'bodyUsed',
      ].map((key) => [key, this[key]]),
    };
  }
}

Object.defineProperty(Response.prototype, Symbol.toStringTag, {
  value: 'Response',
  configurable: true,
});
finishInterface(Response);

function defaultFields() {
  return {
    status: 200,
    statusText: '',
    headers: new Headers(),
    type: 'default',
    cf: undefined,
    encodeBody: 'automatic',
    source: null,
  };
}

// Works out every field of a new Response(body, init).
function responseFields(body, init) {
  if (init === null) init = undefined;
  if (init !== undefined && typeof init !== 'object' &&
      typeof init !== 'function') {
    throw wrongConstructorArg('Response', 2, 'InitializerDict or Response');
  }
  init ??= {};
  const fields = defaultFields();
  const webSocket = init.webSocket ?? null;
  if (webSocket !== null && !isWebSocket(webSocket)) {
    throw new TypeError(
      "Incorrect type for the 'webSocket' field on 'InitializerDict': the " +
        "provided value is not of type 'WebSocket'.");
  }
  fields.webSocket = webSocket;
  fields.status = checkStatus(init.status, webSocket);
  fields.statusText = checkStatusText(init.statusText);
  fillHeaders(fields.headers, init.headers, 'InitializerDict');
  fields.encodeBody = checkEncodeBody(init.encodeBody);
  if (init.cf !== undefined) fields.cf = init.cf;

  const { source, contentType } = extractBody(body);
  if (kNullBodyStatuses.has(fields.status) && bodyHasContent(source)) {
    throw new TypeError(
      'Response with null body status (101, 204, 205, or 304) cannot have ' +
        'a body.',
    );
  }
  if (contentType !== null && !fields.headers.has('content-type')) {
    fields.headers.set('content-type', contentType);
    fields.impliedContentType = true;
  }
  fields.source = source;
  return fields;
}

// The Response fetch() resolves with: { status, statusText, headers, body
// (a ReadableStream or null), url, redirected, webSocket }.
export function makeFetchedResponse(fields) {
  return new Response(kConstruct, {
    ...defaultFields(),
    status: fields.status,
    statusText: fields.statusText,
    headers: fields.headers,
    source: fields.body,
    url: fields.url,
    redirected: fields.redirected,
    webSocket: fields.webSocket,
  });
}

// Turns what a fetch handler returned into what the host writes:
// { status, statusText, headers: [[name, value], ...], body, bodyStream,
// webSocket }, where body is a Uint8Array or null, bodyStream the handle of
// a host stream the body is being copied into (the body was a stream), and
// webSocket the handle of the end to connect the client to. `request` is
// the Request being answered, whose headers a WebSocket needs.
export async function responseToWire(value, request = null) {
  if (!(value instanceof Response)) {
    throw new TypeError(
      "Incorrect type for Promise: the Promise did not resolve to 'Response'.",
    );
  }
  const wire = {
    status: value.status,
    statusText: value.statusText,
    headers: headersToList(value.headers),
    body: null,
    bodyStream: 0,
    webSocket: 0,
  };
  const webSocket = value.webSocket;
  if (webSocket !== null) {
    wire.webSocket = releaseWebSocket(webSocket, request);
    return wire;
  }
  const state = getBodyState(value);
  const source = state.source();
  if (source === null) return wire;
  if (source instanceof Uint8Array) {
    wire.body = await state.takeBytes();
    return wire;
  }
  if (state.used()) {
    throw new TypeError(
      'Body has already been used. It can only be used once. Use tee() ' +
        'first if you need to read it twice.');
  }
  state.markUsed();
  wire.bodyStream = pumpToHost(source);
  return wire;
}

// Hands a WebSocketPair end over to the host, with workerd's checks.
function releaseWebSocket(webSocket, request) {
  const ws = webSocketState(webSocket);
  if (ws.fromConstructor) {
    throw new TypeError(
      "Can't return WebSocket in a Response if it was created with " +
        '`new WebSocket()`');
  }
  if (ws.released) {
    throw new TypeError(
      "Can't return WebSocket that was already used in a response.");
  }
  if (ws.accepted) {
    throw new TypeError(
      "Can't return WebSocket in a Response after calling accept().");
  }
  const upgrade = request?.headers.get('upgrade');
  if (upgrade === null || upgrade === undefined ||
      upgrade.toLowerCase() !== 'websocket') {
    throw new TypeError(
      'Worker tried to return a WebSocket in a response to a request which ' +
        'did not contain the header "Upgrade: websocket".');
  }
  ws.release();
  return ws.handle;
}
