// JS RPC as workerd does it: the stubs a Worker calls through (Durable
// Object stubs, service bindings), the promises and properties they hand
// out, fetch() over a binding, and, on the receiving side, which members of
// a target are reachable and how they are invoked. Calls travel as host
// messages (natives.rpcCall); values are structured-cloned by the host.

import { DurableObject, RpcTarget, WorkerEntrypoint } from './workers.js';
import { Request, requestFromWire } from '../web/request.js';
import { Response } from '../web/response.js';
import { webSocketFromToken, webSocketToToken } from '../web/websocket.js';
import { Headers, headersToList } from '../web/headers.js';
import { Blob, bytesOfBlob } from '../web/blob.js';
import { isReadableStream, ReadableStream } from '../web/streams.js';
import { getBodyState } from '../web/body.js';
import { illegalInvocation } from '../web/webidl.js';
import { ExecutionContext } from '../web/execution_context.js';
import { currentScope, RequestScope, runInScope } from '../web/scope.js';
import { DOMException } from '../web/dom_exception.js';

let natives;

// This Worker's name, and whether stubs in params stay with the caller
// (compatibility flag rpc_params_dup_stubs, on from 2026-01-20).
let selfWorker = '';
let paramsDupStubs = false;

// Cloudflare's per-request limits (dohost serve --no-limits lifts them;
// workerd does not enforce them locally).
let limits = { enforce: true, serviceInvocations: 32, subrequests: 10000 };
const requestCounts = new WeakMap();

// Errors cross RPC with workerd's enhanced serialization (own properties,
// cause, custom names kept) from 2026-04-21, or its legacy rules before.
let enhancedErrors = false;

export function configureRpc(worker, compatibilityDate, flags, hostLimits) {
  selfWorker = worker;
  enhancedErrors = flags.includes('enhanced_error_serialization') ||
    (compatibilityDate >= '2026-04-21' &&
      !flags.includes('legacy_error_serialization'));
  if (hostLimits) limits = hostLimits;
  paramsDupStubs = flags.includes('rpc_params_dup_stubs') ||
    (compatibilityDate >= '2026-01-20' &&
      !flags.includes('rpc_params_transfer_stubs'));
}

export function initRpc(hostNatives) {
  natives = hostNatives;
  // V8 10.2 predates explicit resource management; workerd has these
  // well-known symbols, and RPC results and stubs are disposed through them.
  for (const name of ['dispose', 'asyncDispose']) {
    if (typeof Symbol[name] !== 'symbol') {
      Object.defineProperty(Symbol, name, { value: Symbol(`Symbol.${name}`) });
    }
  }
}

// What a call asks of its target (messages.capnp Call.op).
const kOpCall = 0;
const kOpGet = 1;
const kOpFetch = 2;

// What a stub addresses, as rpcCall takes it: [0, namespace handle, hex,
// name] a Durable Object of a bound namespace, [1, handle] a service
// binding, [2, worker, exportId] an export of another isolate, [3, worker,
// className, hex, name] a Durable Object, [4, worker, entrypoint] a
// service (the last three arrive as values).
const kKindActor = 0;
const kKindService = 1;
const kKindExport = 2;
const kKindActorAddress = 3;
const kKindServiceAddress = 4;
const kOpRelease = 3;

// ===========================================================================
// Values

function dataCloneError(message) {
  return new DOMException(message, 'DataCloneError');
}

function unsupportedType(name) {
  return dataCloneError(
    `Could not serialize object of type "${name}". This type does not ` +
      'support serialization.');
}

// Values travel as V8 structured clone, which refuses functions and
// knows nothing of stubs. Before a value leaves, it is checked for what
// workerd refuses (objects with a null prototype or of a class of their
// own) and for capabilities: functions and RpcTarget instances, which are
// exported and travel by reference, and stubs. When it holds any, a copy
// travels in which each is a marker object {"\u0000dohost.cap": [...]},
// and the message says so (hasCaps), so the receiver revives them as stubs.
// Marker shapes: ['x', worker, exportId, isFunction] an export of worker;
// ['a', worker, className, hex, name] a Durable Object; ['s', worker,
// entrypoint] a service.
const kCapKey = '\u0000dohost.cap';

function isCapability(value) {
  return typeof value === 'function' || value instanceof RpcTarget ||
    isStub(value) || isWebValue(value);
}

// Web types that cross RPC: Headers and Blob by value, ReadableStream as a
// stream the receiver pulls chunk by chunk (each chunk one Return), Request
// and Response as their parts with the body as bytes or as such a stream.
// Markers: ['h', headers], ['b', bytes, type], ['r', worker, exportId],
// ['q', url, method, headers, redirect, body], ['p', status, statusText,
// headers, body], where body is null, bytes, or ['r', worker, exportId].
// DOMExceptions keep their class (['d', message, name]); with enhanced
// error serialization so do errors, with their own properties
// (['e', proto, message, props]).
function isWebValue(value) {
  if (value === null || typeof value !== 'object') return false;
  return value instanceof Request || value instanceof Response ||
    value instanceof Headers || value instanceof Blob ||
    value instanceof DOMException ||
    (enhancedErrors && value instanceof Error) ||
    // A cheap check first: isReadableStream() throws to say no.
    (value instanceof ReadableStream && isReadableStream(value));
}

// What a stream's receiver calls, chunk by chunk. A stream sent while a
// request scope is open (an entrypoint's fetch or RPC result) keeps that
// scope open until the receiver has read it to the end, cancelled it or
// released it: the timers and I/O that produce its chunks belong to the
// scope, and closing it early would stop the stream half way, as workerd
// keeps the request's IoContext alive while its body streams.
class StreamSource extends RpcTarget {
  #reader;
  #finish = null;

  constructor(stream) {
    super();
    this.#reader = stream.getReader();
    const scope = currentScope();
    if (scope !== null && !scope.closed) {
      scope.waitUntil(new Promise((resolve) => { this.#finish = resolve; }));
    }
  }

  async read() {
    let result;
    try {
      result = await this.#reader.read();
    } catch (error) {
      this.#finished();
      throw error;
    }
    if (result.done) {
      this.#finished();
      return { done: true };
    }
    const value = result.value;
    return { done: false, value: value instanceof Uint8Array ? value : new Uint8Array(value) };
  }

  cancel(reason) {
    this.#finished();
    return this.#reader.cancel(reason);
  }

  [Symbol.dispose]() {
    this.#finished();
  }

  #finished() {
    const finish = this.#finish;
    this.#finish = null;
    if (finish !== null) finish();
  }
}

function streamDescriptor(stream) {
  return ['r', selfWorker, exportCapability(new StreamSource(stream)), false];
}

function bodyDescriptor(body) {
  const source = getBodyState(body).source();
  if (source === null) return null;
  getBodyState(body).markUsed();
  if (source instanceof Uint8Array) return source;
  return streamDescriptor(source);
}

function webDescriptor(value) {
  if (value instanceof DOMException) return ['d', value.message, value.name];
  if (value instanceof Error) {
    const wire = enhancedErrorWire(value, undefined) ??
      { proto: 'Error', message: String(value.message), props: {} };
    return ['e', wire.proto, wire.message, wire.props];
  }
  if (value instanceof Headers) return ['h', headersToList(value)];
  if (value instanceof Blob) return ['b', bytesOfBlob(value), value.type];
  if (value instanceof Request) {
    return ['q', value.url, value.method, headersToList(value.headers),
      value.redirect, bodyDescriptor(value)];
  }
  if (value instanceof Response) {
    const ws = value.webSocket === null ? null : webSocketToToken(value.webSocket);
    return ['p', value.status, value.statusText,
      headersToList(value.headers), bodyDescriptor(value), ws];
  }
  return streamDescriptor(value);
}

function remoteStream(worker, id) {
  const source = makeExportStub({ worker, id, refs: 0 });
  return new ReadableStream({
    type: 'bytes',
    async pull(controller) {
      const chunk = await source.read();
      if (chunk.done) {
        controller.close();
        source[Symbol.dispose]();
      } else if (chunk.value.byteLength > 0) {
        controller.enqueue(chunk.value);
      }
    },
    cancel(reason) {
      source.cancel(String(reason)).catch(() => {});
      source[Symbol.dispose]();
    },
  });
}

function bodyFromDescriptor(body) {
  if (Array.isArray(body)) return remoteStream(body[1], body[2]);
  return body;
}

function webFromDescriptor(descriptor) {
  const [kind, ...rest] = descriptor;
  switch (kind) {
    case 'd':
      return new DOMException(rest[0], rest[1]);
    case 'e': {
      const error = errorFromWire({ type: 'enhanced', proto: rest[0],
        message: rest[1], props: rest[2] });
      delete error.remote;
      return error;
    }
    case 'h':
      return new Headers(rest[0]);
    case 'b':
      return new Blob([rest[0]], { type: rest[1] });
    case 'r':
      return remoteStream(rest[0], rest[1]);
    case 'Q':
      return requestFromWire({
        method: rest[1],
        url: rest[0],
        headers: rest[2],
        body: bodyFromDescriptor(rest[4]),
      });
    case 'q':
      return new Request(rest[0], {
        method: rest[1],
        headers: rest[2],
        redirect: rest[3],
        body: bodyFromDescriptor(rest[4]),
      });
    default: {
      const nullBody = rest[0] === 101 || rest[0] === 204 ||
        rest[0] === 205 || rest[0] === 304;
      return new Response(nullBody ? null : bodyFromDescriptor(rest[3]), {
        status: rest[0],
        statusText: rest[1],
        headers: rest[2],
        webSocket: rest[4] ? webSocketFromToken(rest[4]) : null,
      });
    }
  }
}

function isLeaf(value) {
  return value instanceof Date || value instanceof RegExp ||
    value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
    value instanceof Error || value instanceof Boolean ||
    value instanceof Number || value instanceof String ||
    value instanceof BigInt || value instanceof Promise ||
    value instanceof WeakMap || value instanceof WeakSet ||
    (typeof SharedArrayBuffer === 'function' &&
      value instanceof SharedArrayBuffer);
}

// Throws workerd's DataCloneError for what it refuses; returns whether
// the value holds capabilities.
function scan(value, seen) {
  if (typeof value === 'function') return true;
  if (value === null || typeof value !== 'object') return false;
  if (seen.has(value)) return false;
  seen.add(value);
  if (isCapability(value)) return true;
  let caps = false;
  if (Array.isArray(value)) {
    for (const key of Object.keys(value)) caps = scan(value[key], seen) || caps;
    return caps;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype) {
    if (natives.rpcIsProxy(value)) return true;
    for (const key of Object.keys(value)) caps = scan(value[key], seen) || caps;
    return caps;
  }
  if (proto === null) throw unsupportedType('Object');
  if (value instanceof Map) {
    for (const [k, v] of value) caps = scan(k, seen) || scan(v, seen) || caps;
    return caps;
  }
  if (value instanceof Set) {
    for (const v of value) caps = scan(v, seen) || caps;
    return caps;
  }
  if (isLeaf(value)) return false;
  const ctor = proto.constructor;
  throw unsupportedType(typeof ctor === 'function' && ctor.name
    ? ctor.name : 'Object');
}

// Exports: what this isolate lends out by reference, by id.
// Ids start at a random point in each isolate, so that a stub another
// dohost process kept across this one's restart cannot reach whatever
// object the new process happens to export under the old id.
let nextExportId = Math.floor(Math.random() * 2 ** 40) * 4096 + 1;
const exported = new Map();

function exportCapability(value) {
  const id = nextExportId++;
  exported.set(id, value);
  return id;
}

function capMarker(value, passed) {
  if (isWebValue(value)) return { [kCapKey]: webDescriptor(value) };
  const address = isStub(value) ? value[kStubAddress] : null;
  if (address !== null && address.record === undefined) {
    return { [kCapKey]: addressDescriptor(address) };
  }
  if (address !== null) passed.push(value);
  // Functions, RpcTargets and stubs of other isolates' exports are lent
  // from here; calls to a forwarded stub go through this isolate, on a
  // dup() of it that the receiver's release disposes.
  const id = exportCapability(address !== null ? value.dup() : value);
  return { [kCapKey]: ['x', selfWorker, id, typeof value === 'function'] };
}

function copyWithMarkers(value, seen, passed) {
  if (isCapability(value)) {
    if (!seen.has(value)) seen.set(value, capMarker(value, passed));
    return seen.get(value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    seen.set(value, out);
    for (const key of Object.keys(value)) {
      out[key] = copyWithMarkers(value[key], seen, passed);
    }
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) {
      out.set(copyWithMarkers(k, seen, passed), copyWithMarkers(v, seen, passed));
    }
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(copyWithMarkers(v, seen, passed));
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  if (natives.rpcIsProxy(value)) {
    // A Proxy of a plain object is lent by reference, as workerd does.
    const marker = { [kCapKey]: ['x', selfWorker, exportCapability(value), false] };
    seen.set(value, marker);
    return marker;
  }
  const out = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) {
    out[key] = copyWithMarkers(value[key], seen, passed);
  }
  return out;
}

// A value about to leave the isolate: [value to send, hasCaps, stubs of
// other exports it passes along].
export function prepareValue(value) {
  if (isCapability(value) ||
      (value !== null && typeof value === 'object' && scan(value, new Set()))) {
    const passed = [];
    return [copyWithMarkers(value, new Map(), passed), true, passed];
  }
  return [value, false, null];
}

// Replaces the markers of an arrived value by stubs, in place; returns
// the value and the stubs made.
function revive(value, made) {
  const seen = new Set();
  const visit = (v) => {
    if (v === null || typeof v !== 'object') return v;
    const marker = Object.prototype.hasOwnProperty.call(v, kCapKey)
      ? v[kCapKey] : undefined;
    if (marker !== undefined) {
      if (!v.stub) {
        Object.defineProperty(v, 'stub', { value: stubFromDescriptor(marker) });
        made.push(v.stub);
      }
      return v.stub;
    }
    if (seen.has(v)) return v;
    seen.add(v);
    if (v instanceof Map) {
      const entries = [...v].map(([k, x]) => [visit(k), visit(x)]);
      v.clear();
      for (const [k, x] of entries) v.set(k, x);
    } else if (v instanceof Set) {
      const values = [...v].map(visit);
      v.clear();
      for (const x of values) v.add(x);
    } else if (Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype) {
      for (const key of Object.keys(v)) v[key] = visit(v[key]);
    }
    return v;
  };
  return visit(value);
}

// A result that arrived with stubs in it: they are disposed with it.
export function reviveResult(value) {
  // A Response (what fetch() gets) needs no walk and no dispose.
  if (value !== null && typeof value === 'object' &&
      Object.prototype.hasOwnProperty.call(value, kCapKey) &&
      value[kCapKey][0] === 'p') {
    return webFromDescriptor(value[kCapKey]);
  }
  const made = [];
  const revived = revive(value, made);
  if ((typeof revived === 'object' && revived !== null) ||
      typeof revived === 'function') {
    if (!isStub(revived)) {
      // An anonymous function, as workerd's disposer is (name "").
      const disposeAll = [function () {
        for (const stub of made) stub[Symbol.dispose]?.();
      }][0];
      Object.defineProperty(revived, Symbol.dispose, {
        value: disposeAll,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
  return revived;
}

// ===========================================================================
// Calling out

function isIndexKey(key) {
  return typeof key === 'string' && /^(0|[1-9][0-9]*)$/.test(key);
}

function notImplemented(name) {
  return new TypeError(
    `The RPC receiver does not implement the method "${name}".`);
}

const kNoop = [function () {}][0];

// Top-level results of RPC calls gain an own, non-enumerable
// Symbol.dispose, as in workerd.
export function withDispose(value) {
  if ((typeof value === 'object' && value !== null) ||
      typeof value === 'function') {
    if (!Object.prototype.hasOwnProperty.call(value, Symbol.dispose)) {
      Object.defineProperty(value, Symbol.dispose, {
        value: kNoop,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
  return value;
}

// Counts a call against the current request's limits; throws when one
// is passed. Calls made outside a request scope (Durable Object events)
// are not counted.
// TODO(conform): Durable Object events do not count their subrequests.
function countCall(address) {
  const kind = address.target[0];
  if (!limits.enforce || kind === kKindExport) return;
  const scope = currentScope();
  if (scope === null) return;
  let counts = requestCounts.get(scope);
  if (counts === undefined) {
    counts = { services: 0, subrequests: 0 };
    requestCounts.set(scope, counts);
  }
  counts.subrequests += 1;
  if (counts.subrequests > limits.subrequests) {
    throw new Error(
      'Too many subrequests by single Worker invocation: Cloudflare allows ' +
        `${limits.subrequests} per request (Durable Object calls, service ` +
        'binding calls and fetch() count); `dohost serve --no-limits` lifts ' +
        'this limit.');
  }
  if (kind === kKindService || kind === kKindServiceAddress) {
    counts.services += 1;
    if (counts.services > limits.serviceInvocations) {
      throw new Error(
        'Too many service binding invocations by single Worker invocation: ' +
          `Cloudflare allows ${limits.serviceInvocations} per request; ` +
          '`dohost serve --no-limits` lifts this limit.');
    }
  }
}

function send(address, path, op, args) {
  if (address.disposed) {
    return Promise.reject(new Error('RPC stub used after being disposed.'));
  }
  try {
    countCall(address);
  } catch (e) {
    return Promise.reject(e);
  }
  const [value, hasCaps, passed] = prepareValue(args);
  const promise = natives.rpcCall(address.target, path, op, value, hasCaps);
  // Without rpc_params_dup_stubs, stubs passed as params move to the
  // callee: the caller's own are disposed.
  if (passed !== null && !paramsDupStubs) {
    for (const stub of passed) stub[Symbol.dispose]();
  }
  // Object results get their Symbol.dispose from the host (withDispose).
  return promise;
}

// Walks `path` on a value that already arrived (a pipelined call made on
// an RpcPromise): own properties of plain objects, anything on stubs.
function navigateResult(value, path) {
  let holder = value;
  let current = value;
  for (const name of path) {
    if (current === null || (typeof current !== 'object' &&
        typeof current !== 'function')) {
      throw notImplemented(name);
    }
    if (isStub(current)) {
      holder = current;
      current = current[name];
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(current, name)) {
      throw notImplemented(name);
    }
    holder = current;
    current = current[name];
  }
  return { holder, current };
}

// A callable proxy for `stub.a.b` (or a pipelined `promise.a.b`): calling
// it calls the method, awaiting it reads the property.
function makeProperty(origin, path) {
  const call = (...args) => origin.call(path, args);
  const target = function () {};
  return new Proxy(target, {
    apply(_target, _this, args) {
      return call(...args);
    },
    get(_target, prop) {
      if (prop === 'then') {
        return (onOk, onErr) => origin.get(path).then(onOk, onErr);
      }
      if (prop === 'catch') {
        return (onErr) => origin.get(path).catch(onErr);
      }
      if (prop === 'finally') {
        return (fn) => origin.get(path).finally(fn);
      }
      if (prop === Symbol.toStringTag) return 'JsRpcProperty';
      if (typeof prop === 'symbol' || isIndexKey(prop)) return undefined;
      return makeProperty(origin, [...path, prop]);
    },
  });
}

// The promise an RPC call returns: awaitable, and usable as a stub of its
// eventual result (promise pipelining).
function makeRpcPromise(promise) {
  const origin = {
    call(path, args) {
      return makeRpcPromise(promise.then((value) => {
        const { holder, current } = navigateResult(value, path);
        if (typeof current !== 'function') {
          throw new TypeError(`"${path.join('.')}" is not a function.`);
        }
        return Reflect.apply(current, holder, args);
      }));
    },
    get(path) {
      return promise.then((value) => navigateResult(value, path).current);
    },
  };
  const target = function () {};
  return new Proxy(target, {
    apply(_target, _this, args) {
      return origin.call([], args);
    },
    get(_target, prop) {
      if (prop === 'then') return promise.then.bind(promise);
      if (prop === 'catch') return promise.catch.bind(promise);
      if (prop === 'finally') return promise.finally.bind(promise);
      if (prop === Symbol.dispose) return () => {};
      if (prop === Symbol.toStringTag) return 'JsRpcPromise';
      if (typeof prop === 'symbol' || isIndexKey(prop)) return undefined;
      return makeProperty(origin, [prop]);
    },
  });
}

function addressOrigin(address) {
  return {
    call(path, args) {
      return makeRpcPromise(send(address, path, kOpCall, args));
    },
    get(path) {
      return send(address, path, kOpGet, []);
    },
  };
}

const kStubAddress = Symbol('stubAddress');

export function isStub(value) {
  return (typeof value === 'object' || typeof value === 'function') &&
    value !== null && value[kStubAddress] !== undefined;
}

// fetch() through a stub: builds the Request as global fetch() would,
// then sends it whole.
// TODO(conform): request and response bodies travel whole, not streamed.
async function fetchThrough(address, input, init, argumentCount) {
  if (argumentCount < 1) {
    throw new TypeError(
      "Failed to execute 'fetch' on 'Fetcher': parameter 1 is not of type " +
        "'Request or string'.");
  }
  if (input instanceof Request && init === undefined &&
      getBodyState(input).used()) {
    throw new TypeError('Cannot reconstruct a Request with a used body.');
  }
  const request = input instanceof Request && init === undefined
    ? input : new Request(input, init);
  countCall(address);
  // The fragment stays with the caller, as on workerd.
  const hash = request.url.indexOf('#');
  const url = hash < 0 ? request.url : request.url.slice(0, hash);
  if (!/^https?:/i.test(url)) {
    throw new TypeError(`Fetch API cannot load: ${url}`);
  }
  const sent = url === request.url ? request : new Request(url, request);
  // The receiver's fetch handler gets it as an incoming request ('Q'):
  // built without parsing the URL again, headers immutable, as from HTTP.
  const descriptor = webDescriptor(sent);
  descriptor[0] = 'Q';
  return natives.rpcCall(address.target, ['fetch'], kOpFetch,
    [{ [kCapKey]: descriptor }], true);
}

function illegalConstructor() {
  throw new TypeError('Illegal constructor');
}

// The prototype of Durable Object stubs: what workerd answers locally.
function makeStubPrototype(tag) {
  const proto = {
    fetch(input, init) {
      const address = (typeof this === 'object' || typeof this === 'function') &&
        this !== null ? this[kStubAddress] : undefined;
      if (address === undefined) return Promise.reject(illegalInvocation());
      return fetchThrough(address, input, init, arguments.length);
    },
    dup() {
      return this;
    },
    connect() {
      // TODO(conform): connect() over a binding is not implemented.
      throw new Error(
        'connect() on a Durable Object stub or service binding is not ' +
          'implemented in dohost yet');
    },
  };
  Object.defineProperty(proto, 'constructor', {
    value: illegalConstructor,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  Object.defineProperty(proto, Symbol.toStringTag, {
    value: tag,
    configurable: true,
  });
  return proto;
}

const kDurableObjectStubProto = makeStubPrototype('DurableObject');
const kFetcherProto = makeStubPrototype('Fetcher');

function makeAddressStub(target, address) {
  Object.defineProperty(target, kStubAddress, { value: address });
  const origin = addressOrigin(address);
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (typeof prop === 'symbol' || prop in obj) {
        return Reflect.get(obj, prop, receiver);
      }
      // Not thenable, and JSON.stringify() sees its own keys.
      if (prop === 'then' || prop === 'toJSON' || isIndexKey(prop)) {
        return undefined;
      }
      return makeProperty(origin, [prop]);
    },
  });
}

// The stub of one Durable Object: own `id` and `name`, every other name an
// RPC method.
export function makeDurableObjectStub(nsHandle, id, hex) {
  const target = Object.create(kDurableObjectStubProto);
  target.name = id.name;
  target.id = id;
  return makeAddressStub(target, {
    target: [kKindActor, nsHandle, hex, id.name],
  });
}

// A service binding (`env.SVC`): fetch() and RPC methods.
export function makeServiceStub(handle) {
  const target = Object.create(kFetcherProto);
  return makeAddressStub(target, { target: [kKindService, handle] });
}

// The descriptor a Durable Object or service stub travels as.
function addressDescriptor(address) {
  const [kind, ...rest] = address.target;
  switch (kind) {
    case kKindActor:
      return ['a', ...natives.rpcNamespaceTarget(rest[0]), rest[1], rest[2]];
    case kKindService:
      return ['s', ...natives.rpcServiceTarget(rest[0])];
    case kKindActorAddress:
      return ['a', ...rest];
    default:
      return ['s', ...rest];
  }
}

// Stubs the program dropped without disposing are released when V8
// collects them, as workerd does.
const collected = new FinalizationRegistry((dispose) => dispose());

// A stub of another isolate's export: a function or an RpcTarget, called
// where it lives. Each stub object is disposed on its own; the export is
// released once every stub (dup()s included) of this import is.
function makeExportStub(record) {
  record.refs += 1;
  const address = { target: [kKindExport, record.worker, record.id], record,
    disposed: false };
  const origin = addressOrigin(address);
  // An arrow function: callable, and without own keys that ownKeys() must
  // report.
  const target = () => {};
  const dispose = () => {
    if (address.disposed) return;
    address.disposed = true;
    record.refs -= 1;
    if (record.refs === 0) {
      natives.rpcCall(address.target, [], kOpRelease, [], false)
        .catch(() => {});
    }
  };
  const dup = () => {
    if (address.disposed) {
      throw new Error('RPC stub used after being disposed.');
    }
    return makeExportStub(record);
  };
  const stub = new Proxy(target, {
    apply(_target, _this, args) {
      return origin.call([], args);
    },
    get(obj, prop) {
      if (prop === kStubAddress) return address;
      if (prop === Symbol.dispose) return dispose;
      if (prop === Symbol.toStringTag) return 'JsRpcStub';
      if (prop === 'dup') return dup;
      if (typeof prop === 'symbol') return undefined;
      // Object.prototype's members are the stub's own, as on workerd.
      if (prop in Object.prototype) {
        return Reflect.get(Object.prototype, prop, stub);
      }
      if (prop === 'then' || prop === 'toJSON' || isIndexKey(prop)) {
        return undefined;
      }
      return makeProperty(origin, [prop]);
    },
    ownKeys() {
      return [];
    },
    getOwnPropertyDescriptor() {
      return undefined;
    },
  });
  collected.register(stub, dispose);
  return stub;
}

function stubFromDescriptor(descriptor) {
  const [kind, ...rest] = descriptor;
  if (kind !== 'x' && kind !== 'a' && kind !== 's') {
    return webFromDescriptor(descriptor);
  }
  if (kind === 'x') {
    return makeExportStub({ worker: rest[0], id: rest[1], refs: 0 });
  }
  const target = Object.create(kFetcherProto);
  if (kind === 'a') {
    return makeAddressStub(target, { target: [kKindActorAddress, ...rest] });
  }
  return makeAddressStub(target, { target: [kKindServiceAddress, ...rest] });
}

// ===========================================================================
// Being called

const kEntrypointReserved = new Set([
  'fetch', 'connect', 'alarm', 'webSocketMessage', 'webSocketClose',
  'webSocketError', 'dup', 'constructor',
]);
const kTransientReserved = new Set(['dup', 'constructor']);

function lookup(object, name, allowInstance, reserved) {
  if (reserved.has(name)) {
    throw new TypeError(
      `'${name}' is a reserved method and cannot be called over RPC.`);
  }
  if (allowInstance) {
    if (!Object.prototype.hasOwnProperty.call(object, name)) {
      throw notImplemented(name);
    }
    return object[name];
  }
  if (Object.prototype.hasOwnProperty.call(object, name)) {
    throw notImplemented(name);
  }
  const value = object[name];
  if (value === Object.prototype[name]) throw notImplemented(name);
  return value;
}

// Runs one operation on `target` along `path`, as workerd's RPC receiver
// does: class members (prototype methods and getters) of class instances,
// own properties of plain objects and functions.
function invokeOn(target, allowInstance, reserved, op, path, args, envCtx) {
  if (path.length === 0) {
    if (op === kOpGet) return settledValue(target);
    if (typeof target !== 'function') {
      throw new TypeError('"(this)" is not a function.');
    }
    return settledValue(Reflect.apply(target, undefined, args));
  }
  let object = target;
  for (let i = 0; i < path.length - 1; i++) {
    const name = path[i];
    const next = lookup(object, name, allowInstance, reserved);
    if (next === null || (typeof next !== 'object' &&
        typeof next !== 'function')) {
      throw notImplemented(name);
    }
    object = next;
    reserved = kTransientReserved;
    envCtx = undefined;
    const proto = Object.getPrototypeOf(object);
    if (proto === Object.prototype || typeof object === 'function') {
      allowInstance = true;
    } else if (object instanceof RpcTarget) {
      allowInstance = false;
    } else {
      throw notImplemented(name);
    }
  }
  const last = path[path.length - 1];
  const value = lookup(object, last, allowInstance, reserved);
  if (op === kOpGet) return settledValue(value);
  if (typeof value !== 'function') {
    throw new TypeError(`"${path.join('.')}" is not a function.`);
  }
  if (envCtx) {
    return settledValue(callInsertingEnvCtx(value, object, last, args, envCtx));
  }
  return settledValue(Reflect.apply(value, object, args));
}

// The result as it will be sent, [value, hasCaps], once it has settled.
function settledValue(result) {
  const prepare = (value) => {
    const [out, hasCaps] = prepareValue(value);
    return [out, hasCaps];
  };
  if (result instanceof Promise) return result.then(prepare);
  // An RpcPromise (a call made through a forwarded stub) is a thenable.
  if ((typeof result === 'function' || typeof result === 'object') &&
      result !== null && !isStub(result) && typeof result.then === 'function') {
    return Promise.resolve(result).then(prepare);
  }
  return prepare(result);
}

// Runs a call with its arguments revived; the stubs they brought are
// disposed once the call is done, unless the callee dup()ed them.
function withParams(args, hasCaps, run) {
  if (!hasCaps) return run(args);
  const made = [];
  const revived = revive(args, made);
  const disposeAll = () => {
    for (const stub of made) stub[Symbol.dispose]?.();
  };
  let result;
  try {
    result = run(revived);
  } catch (e) {
    disposeAll();
    throw e;
  }
  return Promise.resolve(result).finally(disposeAll);
}

// An incoming call for something this isolate exported.
export function invokeExport(id, op, path, args, hasCaps) {
  if (op === kOpRelease) {
    const value = exported.get(id);
    exported.delete(id);
    if (value instanceof RpcTarget &&
        typeof value[Symbol.dispose] === 'function') {
      value[Symbol.dispose]();
    } else if (isStub(value)) {
      value[Symbol.dispose]();
    }
    return [undefined, false];
  }
  if (!exported.has(id)) {
    throw new Error('RPC stub used after being disposed.');
  }
  const value = exported.get(id);
  return withParams(args, hasCaps, (params) => {
    if (isStub(value)) {
      let holder = value;
      let current = value;
      for (const name of path) {
        holder = current;
        current = current[name];
      }
      if (op === kOpGet) return settledValue(current);
      return settledValue(path.length === 0 ? current(...params)
        : Reflect.apply(current, holder, params));
    }
    if (path.length === 0) {
      if (typeof value !== 'function') {
        throw new TypeError('"(this)" is not a function.');
      }
      return settledValue(Reflect.apply(value, undefined, params));
    }
    const plain = typeof value === 'function' ||
      Object.getPrototypeOf(value) === Object.prototype;
    return invokeOn(value, plain, kTransientReserved, op, path, params);
  });
}

// A plain-object handler's function is called as fn(arg, env, ctx).
function callInsertingEnvCtx(fn, object, name, args, { env, ctx }) {
  let arity = Number(fn.length);
  if (!(arity >= 0 && arity < 256)) {
    throw new TypeError(
      `RPC function has unreasonable length attribute: ${arity}`);
  }
  if (arity < 3) arity = 3;
  if (arity !== 3) {
    throw new TypeError(
      `Cannot call handler function "${name}" over RPC because it has the ` +
        'wrong number of arguments. A simple function handler can only be ' +
        'called over RPC if it has exactly the arguments (arg, env, ctx), ' +
        'where only the first argument comes from the client. To support ' +
        'multi-argument RPC functions, use class-based syntax (extending ' +
        'WorkerEntrypoint) instead.');
  }
  if (args.length !== 1) {
    throw new TypeError(
      `Attempted to call RPC function "${name}" with the wrong number of ` +
        'arguments. When calling a top-level handler function that is not ' +
        'declared as part of a class, you must always send exactly one ' +
        'argument. In order to support variable numbers of arguments, the ' +
        'server must use class-based syntax (extending WorkerEntrypoint) ' +
        'instead.');
  }
  return Reflect.apply(fn, object, [args[0], env, ctx]);
}

const kNoFetch = 'Handler does not export a fetch() function.';

// An incoming call for a Durable Object instance.
// The Response a fetch handler gave, as it will be sent.
function fetchResult(result) {
  return Promise.resolve(result).then((response) => {
    if (!(response instanceof Response)) {
      throw new TypeError(
        "Incorrect type for Promise: the Promise did not resolve to " +
          "'Response'.");
    }
    return [{ [kCapKey]: webDescriptor(response) }, true];
  });
}

export function invokeActor(instance, op, path, args, hasCaps) {
  if (op === kOpFetch) {
    if (typeof instance.fetch !== 'function') throw new Error(kNoFetch);
    return withParams(args, hasCaps,
      (params) => fetchResult(instance.fetch(params[0])));
  }
  if (!(instance instanceof DurableObject)) {
    throw new TypeError(
      'The receiving Durable Object does not support RPC, because its class ' +
        'was not declared with `extends DurableObject`. In order to enable ' +
        'RPC, make sure your class extends the special class ' +
        '`DurableObject`, which can be imported from the module ' +
        '"cloudflare:workers".');
  }
  return withParams(args, hasCaps, (params) =>
    invokeOn(instance, false, kEntrypointReserved, op, path, params));
}

// An incoming call for an entrypoint of this Worker: `name` is an export
// name ("" for the default export). It runs in a RequestScope of its own,
// closed once the result is ready and ctx.waitUntil() work has settled.
export async function invokeEntrypoint(exports, name, env, op, path, args,
  hasCaps) {
  const scope = new RequestScope();
  try {
    return await runInScope(scope, () => {
      const ctx = ExecutionContext.create(scope);
      return withParams(args, hasCaps, (params) =>
        callEntrypoint(exports, name, env, ctx, op, path, params));
    });
  } finally {
    scope.responded();
  }
}

// Class entrypoints get a fresh instance per call, as in workerd.
function callEntrypoint(exports, name, env, ctx, op, path, args) {
  const exported = exports[name === '' ? 'default' : name];
  if (exported === undefined) {
    throw new Error(
      `Worker has no entrypoint named "${name}"`);
  }
  const isClass = typeof exported === 'function' &&
    exported.prototype instanceof WorkerEntrypoint;
  const target = isClass ? new exported(ctx, env) : exported;
  if (op === kOpFetch) {
    const request = args[0];
    if (!target || typeof target.fetch !== 'function') {
      throw new Error(kNoFetch);
    }
    return fetchResult(isClass ? target.fetch(request)
      : target.fetch(request, env, ctx));
  }
  if (isClass) {
    return invokeOn(target, false, kEntrypointReserved, op, path, args);
  }
  return invokeOn(target, true, kEntrypointReserved, op, path, args,
    { env, ctx });
}

// ===========================================================================
// Errors

// The error types that keep their class across RPC, by name.
const kErrorTypes = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
  AggregateError,
};

function describeThrown(value) {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object' || typeof value === 'function') {
    if (!(value instanceof Error) && !(value instanceof DOMException)) {
      // V8's own rendering of a thrown non-error object.
      const proto = Object.getPrototypeOf(value);
      const ctor = proto && proto.constructor && proto.constructor.name;
      return `#<${ctor || 'Object'}>`;
    }
  }
  return String(value);
}

// Whether V8's serializer takes `value` as it is (no functions, symbols or
// types only RPC knows); used to fall back to the legacy form.
function plainlyClonable(value, seen = new Set()) {
  if (typeof value === 'function' || typeof value === 'symbol') return false;
  if (value === null || typeof value !== 'object') return true;
  if (seen.has(value)) return true;
  seen.add(value);
  if (value instanceof DOMException || value instanceof RpcTarget ||
      isStub(value)) {
    return false;
  }
  // V8 clones nested errors itself (class by name, message, stack).
  if (value instanceof Error) return true;
  let children;
  if (value instanceof Map) {
    children = [...value].flat();
  } else if (value instanceof Set) {
    children = [...value];
  } else if (Array.isArray(value) ||
      Object.getPrototypeOf(value) === Object.prototype) {
    children = Object.values(value);
  } else {
    return isLeaf(value);
  }
  return children.every((child) => plainlyClonable(child, seen));
}

function enhancedErrorWire(error, durableObjectId) {
  const props = {};
  for (const key of Object.keys(error)) props[key] = error[key];
  for (const key of ['cause', 'errors']) {
    if (Object.prototype.hasOwnProperty.call(error, key)) props[key] = error[key];
  }
  if (!plainlyClonable(props)) return null;
  const name = String(error.name);
  // A built-in name is carried by the class.
  if (Object.hasOwn(kErrorTypes, name)) delete props.name;
  return {
    type: 'enhanced',
    proto: Object.hasOwn(kErrorTypes, name) ? name : 'Error',
    message: String(error.message),
    props,
    durableObjectId,
  };
}

// Errors a Durable Object was reset with (its constructor or a
// blockConcurrencyWhile() callback failed): callers get them with
// durableObjectReset set and no `remote`, as on workerd.
const resetErrors = new WeakSet();

export function markResetError(error) {
  if (error !== null && typeof error === 'object') resetErrors.add(error);
}

// A thrown value as it travels in a Return's error.
export function errorToWire(error, durableObjectId) {
  const wire = errorToWireImpl(error, durableObjectId);
  if (resetErrors.has(error)) wire.reset = true;
  return wire;
}

function errorToWireImpl(error, durableObjectId) {
  if (error instanceof DOMException) {
    return { type: 'DOMException', name: error.name, message: error.message };
  }
  if (enhancedErrors) {
    if (error instanceof Error) {
      const wire = enhancedErrorWire(error, durableObjectId);
      if (wire !== null) return wire;
    } else if (error !== null && typeof error === 'object' &&
        plainlyClonable(error)) {
      return { type: 'value', value: error, durableObjectId };
    }
  }
  if (error instanceof Error) {
    // Legacy: the class of the built-in names is kept whatever the
    // constructor; any other name is folded into the message.
    const name = String(error.name);
    const message = String(error.message);
    if (Object.hasOwn(kErrorTypes, name)) return { type: name, name, message };
    return { type: 'Error', name: 'Error', message: `${name}: ${message}` };
  }
  return { type: 'Error', name: 'Error', message: describeThrown(error) };
}

export function errorFromWire(wire) {
  let error;
  if (wire.type === 'DOMException') {
    error = new DOMException(wire.message, wire.name);
  } else if (wire.type === 'enhanced') {
    error = wire.proto === 'AggregateError'
      ? new AggregateError([], wire.message)
      : new (kErrorTypes[wire.proto] || Error)(wire.message);
    if (wire.proto === 'AggregateError') delete error.errors;
    for (const [key, value] of Object.entries(wire.props)) {
      if (key === 'cause' || key === 'errors') {
        Object.defineProperty(error, key, {
          value, writable: true, configurable: true, enumerable: false,
        });
      } else {
        error[key] = value;
      }
    }
    if (wire.durableObjectId) error.durableObjectId = wire.durableObjectId;
  } else if (wire.type === 'value') {
    error = wire.value;
    if (wire.durableObjectId) error.durableObjectId = wire.durableObjectId;
  } else if (wire.type === 'AggregateError') {
    // workerd's legacy serialization drops the errors list.
    error = new AggregateError([], wire.message);
    delete error.errors;
  } else {
    error = new (kErrorTypes[wire.type] || Error)(wire.message);
  }
  if (wire.reset) {
    error.durableObjectReset = true;
  } else {
    error.remote = true;
  }
  return error;
}
