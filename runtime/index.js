// The runtime bundle's entry. The host evaluates the bundle once per
// isolate and calls setup(natives): it installs the Web platform globals
// and returns the internals the host calls into (dispatching fetch events,
// constructing Durable Objects, invoking RPC methods, building `env`).

import { Headers } from './web/headers.js';
import { Request, requestFromWire } from './web/request.js';
import { Response, responseToWire } from './web/response.js';
import { installIoGlobals } from './web/io_globals.js';
import { URL, URLSearchParams } from './web/url.js';
import { TextEncoder, TextDecoder, atob, btoa } from './web/encoding.js';
import { DOMException } from './web/dom_exception.js';
import { formatLogArgs } from './web/console.js';
import { ExecutionContext } from './web/execution_context.js';
import * as streams from './web/streams.js';
import {
  endGlobalScope,
  initScope,
  RequestScope,
  runInScope,
} from './web/scope.js';
import {
  clearInterval,
  clearTimeout,
  fireTimer,
  initTimers,
  queueMicrotask,
  setInterval,
  setTimeout,
} from './web/timers.js';
import {
  initGlobalScope,
  Navigator,
  navigator,
  performance,
  reportError,
  scheduler,
  structuredClone,
} from './web/global_scope.js';
import { DurableObject, WorkerEntrypoint, RpcTarget } from './cloudflare/workers.js';
import {
  DurableObjectState,
  initDurableObjects,
} from './cloudflare/durable_objects.js';
import { makeId } from './cloudflare/durable_object_id.js';
import { initNamespaces, makeNamespace } from './cloudflare/namespace.js';

function defineGlobals(values) {
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(globalThis, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

function makeConsole(natives) {
  const write = (level) => (...args) => natives.print(level, formatLogArgs(args));
  const log = write('log');
  return {
    log,
    info: write('info'),
    debug: write('debug'),
    warn: write('warn'),
    error: write('error'),
    trace: write('trace'),
  };
}

// Error types that keep their class across RPC (workerd's legacy error
// serialization); any other name is folded into the message.
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

function errorToWire(error) {
  if (error instanceof DOMException) {
    return {
      type: 'DOMException',
      name: error.name,
      message: error.message,
    };
  }
  if (error instanceof Error) {
    const name = String(error.name);
    const message = String(error.message);
    const ctor = Object.getPrototypeOf(error)?.constructor;
    const builtIn = kErrorTypes[name] && ctor === kErrorTypes[name];
    if (builtIn) return { type: name, name, message };
    return { type: 'Error', name: 'Error', message: `${name}: ${message}` };
  }
  return { type: 'Error', name: 'Error', message: describeThrown(error) };
}

function errorFromWire(wire) {
  let error;
  if (wire.type === 'DOMException') {
    error = new DOMException(wire.message, wire.name);
  } else if (wire.type === 'AggregateError') {
    error = new AggregateError([], wire.message);
  } else {
    error = new (kErrorTypes[wire.type] || Error)(wire.message);
  }
  error.remote = true;
  return error;
}

function makeEnv(bindings) {
  const env = {};
  for (const binding of bindings) {
    switch (binding.kind) {
      case 'json':
        env[binding.name] = JSON.parse(binding.json);
        break;
      case 'durable_object':
        env[binding.name] = makeNamespace(binding.handle);
        break;
    }
  }
  return env;
}

function isClass(value, base) {
  return typeof value === 'function' && value.prototype instanceof base;
}

// Runs a stateless fetch event in a RequestScope of its own (web/scope.js):
// the scope closes, cancelling the timers left behind, once the response
// has been handed over and every ctx.waitUntil() promise has settled. A
// host that streams the body must call scope.responded() when it has been
// sent. Durable Object events take no RequestScope: their timers live on.
async function dispatchFetch(exports, wire, env) {
  const scope = new RequestScope();
  try {
    return await runInScope(scope,
      () => runFetchHandler(exports, wire, env, scope));
  } finally {
    scope.responded();
  }
}

async function runFetchHandler(exports, wire, env, scope) {
  const request = requestFromWire(wire);
  const handler = exports.default;
  const ctx = ExecutionContext.create(scope);
  let response;
  if (isClass(handler, WorkerEntrypoint)) {
    const entrypoint = new handler(ctx, env);
    if (typeof entrypoint.fetch !== 'function') {
      throw new Error('Handler does not export a fetch() function.');
    }
    response = await entrypoint.fetch(request);
  } else if (handler && typeof handler.fetch === 'function') {
    response = await handler.fetch(request, env, ctx);
  } else {
    throw new Error('Handler does not export a fetch() function.');
  }
  return responseToWire(response, request);
}

// Builds a Durable Object instance; resolves once the constructor's
// blockConcurrencyWhile() work has settled.
async function createInstance(exports, className, hex, name, storage, env,
  jurisdiction) {
  const cls = exports[className];
  const id = makeId(hex, name, jurisdiction);
  const state = new DurableObjectState(id, storage);
  const instance = new cls(state, env);
  await state.settled();
  return instance;
}

const kReserved = new Set(['constructor', 'fetch', 'alarm', 'webSocketMessage',
  'webSocketClose', 'webSocketError']);

function invoke(instance, method, args) {
  const fn = kReserved.has(method) && method !== 'fetch' ? undefined
    : instance[method];
  if (typeof fn !== 'function') {
    throw new TypeError(
      `The RPC receiver does not implement the method "${method}".`);
  }
  return fn.apply(instance, args);
}

// Names of the classes a module exports, for config checks.
function exportedClasses(exports) {
  return Object.keys(exports).filter((k) => typeof exports[k] === 'function');
}

export function setup(natives) {
  initDurableObjects(natives);
  initNamespaces(natives);
  initScope(natives);
  initTimers(natives);
  initGlobalScope(natives);
  streams.initStreams(natives);
  installIoGlobals(natives);
  defineGlobals({
    Headers,
    Request,
    Response,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    DOMException,
    atob,
    btoa,
    console: makeConsole(natives),
    setTimeout,
    setInterval,
    clearTimeout,
    clearInterval,
    queueMicrotask,
    structuredClone,
    reportError,
    Navigator,
    navigator,
    performance,
    scheduler,
    self: globalThis,
    ReadableStream: streams.ReadableStream,
    ReadableStreamDefaultReader: streams.ReadableStreamDefaultReader,
    ReadableStreamBYOBReader: streams.ReadableStreamBYOBReader,
    ReadableStreamBYOBRequest: streams.ReadableStreamBYOBRequest,
    ReadableStreamDefaultController: streams.ReadableStreamDefaultController,
    ReadableByteStreamController: streams.ReadableByteStreamController,
    WritableStream: streams.WritableStream,
    WritableStreamDefaultWriter: streams.WritableStreamDefaultWriter,
    WritableStreamDefaultController: streams.WritableStreamDefaultController,
    TransformStream: streams.TransformStream,
    TransformStreamDefaultController: streams.TransformStreamDefaultController,
    ByteLengthQueuingStrategy: streams.ByteLengthQueuingStrategy,
    CountQueuingStrategy: streams.CountQueuingStrategy,
    TextEncoderStream: streams.TextEncoderStream,
    TextDecoderStream: streams.TextDecoderStream,
    CompressionStream: streams.CompressionStream,
    DecompressionStream: streams.DecompressionStream,
    IdentityTransformStream: streams.IdentityTransformStream,
    FixedLengthStream: streams.FixedLengthStream,
  });
  return {
    builtinModules: {
      'cloudflare:workers': { DurableObject, WorkerEntrypoint, RpcTarget },
    },
    makeEnv,
    dispatchFetch,
    createInstance,
    invoke,
    errorToWire,
    errorFromWire,
    exportedClasses,
    fireTimer,
    endGlobalScope,
  };
}
