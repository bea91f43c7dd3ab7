// JS RPC as workerd does it: the stubs a Worker calls through (Durable
// Object stubs, service bindings), the promises and properties they hand
// out, fetch() over a binding, and, on the receiving side, which members of
// a target are reachable and how they are invoked. Calls travel as host
// messages (natives.rpcCall); values are structured-cloned by the host.

import { DurableObject, RpcTarget, WorkerEntrypoint } from './workers.js';
import { Request } from '../web/request.js';
import { Response } from '../web/response.js';
import { headersToList } from '../web/headers.js';
import { getBodyState } from '../web/body.js';
import { ExecutionContext } from '../web/execution_context.js';
import { RequestScope, runInScope } from '../web/scope.js';
import { DOMException } from '../web/dom_exception.js';

let natives;

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

// What the stub addresses: kind 0 a Durable Object (namespace handle, hex,
// name), kind 1 a service binding (its handle).
const kKindActor = 0;
const kKindService = 1;

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

// Checks what V8's serializer would take but workerd refuses: objects
// with a null prototype or of a class of their own. V8 itself refuses
// symbols, functions, promises and the like, with workerd's words.
// TODO(conform): functions and RpcTarget instances travel by reference on
// workerd; here they are refused.
function checkClonable(value, seen) {
  if (value === null || typeof value !== 'object') return;
  if (seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) {
    for (const key of Object.keys(value)) checkClonable(value[key], seen);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype) {
    for (const key of Object.keys(value)) checkClonable(value[key], seen);
    return;
  }
  if (proto === null) throw unsupportedType('Object');
  if (value instanceof Map) {
    for (const [k, v] of value) {
      checkClonable(k, seen);
      checkClonable(v, seen);
    }
    return;
  }
  if (value instanceof Set) {
    for (const v of value) checkClonable(v, seen);
    return;
  }
  if (value instanceof Date || value instanceof RegExp ||
      value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
      value instanceof Error || value instanceof Boolean ||
      value instanceof Number || value instanceof String ||
      value instanceof BigInt || value instanceof Promise ||
      value instanceof WeakMap || value instanceof WeakSet ||
      (typeof SharedArrayBuffer === 'function' &&
        value instanceof SharedArrayBuffer)) {
    return;
  }
  const ctor = proto.constructor;
  throw unsupportedType(typeof ctor === 'function' && ctor.name
    ? ctor.name : 'Object');
}

// A value about to leave the isolate as an argument or a result.
export function prepareValue(value) {
  if (value !== null && typeof value === 'object') {
    checkClonable(value, new Set());
  }
  return value;
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

// Top-level results of RPC calls gain an own, non-enumerable
// Symbol.dispose, as in workerd.
function withDispose(value) {
  if ((typeof value === 'object' && value !== null) ||
      typeof value === 'function') {
    if (!Object.prototype.hasOwnProperty.call(value, Symbol.dispose)) {
      Object.defineProperty(value, Symbol.dispose, {
        value: function () {},
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
  return value;
}

function send(address, path, op, args) {
  prepareValue(args);
  const promise = natives.rpcCall(
    address.kind, address.handle, address.hex, address.name, path, op, args);
  return promise.then(withDispose);
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
  const request = input instanceof Request && init === undefined
    ? input : new Request(input, init);
  // The fragment stays with the caller, as on workerd.
  const hash = request.url.indexOf('#');
  const url = hash < 0 ? request.url : request.url.slice(0, hash);
  if (!/^https?:/i.test(url)) {
    throw new TypeError(`Fetch API cannot load: ${url}`);
  }
  const headers = headersToList(request.headers);
  let body = null;
  if (request.body !== null) {
    body = new Uint8Array(await request.arrayBuffer());
  }
  const wire = {
    method: request.method,
    url,
    headers,
    redirect: request.redirect,
    body,
  };
  const response = await natives.rpcCall(
    address.kind, address.handle, address.hex, address.name, ['fetch'],
    kOpFetch, [wire]);
  return responseFromWire(response);
}

export function responseFromWire(wire) {
  const nullBody = wire.status === 101 || wire.status === 204 ||
    wire.status === 205 || wire.status === 304;
  return new Response(nullBody ? null : wire.body, {
    status: wire.status,
    statusText: wire.statusText,
    headers: wire.headers,
  });
}

function illegalConstructor() {
  throw new TypeError('Illegal constructor');
}

// The prototype of Durable Object stubs: what workerd answers locally.
function makeStubPrototype(tag) {
  const proto = {
    fetch(input, init) {
      return fetchThrough(this[kStubAddress], input, init, arguments.length);
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
    kind: kKindActor, handle: nsHandle, hex, name: id.name,
  });
}

// A service binding (`env.SVC`): fetch() and RPC methods.
export function makeServiceStub(handle) {
  const target = Object.create(kFetcherProto);
  return makeAddressStub(target, {
    kind: kKindService, handle, hex: '', name: undefined,
  });
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

// The result as it will be sent: checked once it has settled.
function settledValue(result) {
  if (result instanceof Promise) return result.then(prepareValue);
  return prepareValue(result);
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

function requestFromRpcWire(wire) {
  return new Request(wire.url, {
    method: wire.method,
    headers: wire.headers,
    redirect: wire.redirect,
    body: wire.body,
  });
}

async function responseToRpcWire(response) {
  if (!(response instanceof Response)) {
    throw new TypeError(
      "Incorrect type for Promise: the Promise did not resolve to 'Response'.");
  }
  const state = getBodyState(response);
  const body = state.source() === null ? null : await state.takeBytes();
  return {
    status: response.status,
    statusText: response.statusText,
    headers: headersToList(response.headers),
    body,
  };
}

const kNoFetch = 'Handler does not export a fetch() function.';

// An incoming call for a Durable Object instance.
export function invokeActor(instance, op, path, args) {
  if (op === kOpFetch) {
    if (typeof instance.fetch !== 'function') throw new Error(kNoFetch);
    return Promise.resolve(instance.fetch(requestFromRpcWire(args[0])))
      .then(responseToRpcWire);
  }
  if (!(instance instanceof DurableObject)) {
    throw new TypeError(
      'The receiving Durable Object does not support RPC, because its class ' +
        'was not declared with `extends DurableObject`. In order to enable ' +
        'RPC, make sure your class extends the special class ' +
        '`DurableObject`, which can be imported from the module ' +
        '"cloudflare:workers".');
  }
  return invokeOn(instance, false, kEntrypointReserved, op, path, args);
}

// An incoming call for an entrypoint of this Worker: `name` is an export
// name ("" for the default export). It runs in a RequestScope of its own,
// closed once the result is ready and ctx.waitUntil() work has settled.
export async function invokeEntrypoint(exports, name, env, op, path, args) {
  const scope = new RequestScope();
  try {
    return await runInScope(scope, () => {
      const ctx = ExecutionContext.create(scope);
      return callEntrypoint(exports, name, env, ctx, op, path, args);
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
    const request = requestFromRpcWire(args[0]);
    if (!target || typeof target.fetch !== 'function') {
      throw new Error(kNoFetch);
    }
    const result = isClass ? target.fetch(request)
      : target.fetch(request, env, ctx);
    return Promise.resolve(result).then(responseToRpcWire);
  }
  if (isClass) {
    return invokeOn(target, false, kEntrypointReserved, op, path, args);
  }
  return invokeOn(target, true, kEntrypointReserved, op, path, args,
    { env, ctx });
}
