// The runtime bundle's entry. The host evaluates the bundle once per
// isolate and calls setup(natives): it installs the Web platform globals
// and returns the internals the host calls into (dispatching fetch events,
// constructing Durable Objects, invoking RPC methods, building `env`).

import { Headers } from './web/headers.js';
import { Request, requestFromWire } from './web/request.js';
import { Response, responseToWire } from './web/response.js';
import { installIoGlobals } from './web/io_globals.js';
import { configureWebSockets } from './web/websocket.js';
import { WebSocketRequestResponsePair } from './cloudflare/hibernation.js';
import { URL, URLSearchParams } from './web/url.js';
import {
  TextEncoder,
  TextDecoder,
  atob,
  btoa,
  initEncoding,
} from './web/encoding.js';
import { DOMException } from './web/dom_exception.js';
import { formatLogArgs } from './web/console.js';
import { ExecutionContext } from './web/execution_context.js';
import * as streams from './web/streams.js';
import * as webCrypto from './web/crypto.js';
import * as events from './web/events.js';
import { Blob, File, FormData } from './web/blob.js';
import { Body } from './web/body.js';
import { URLPattern } from './web/url_pattern.js';
import { installStackFilter } from './web/stack.js';
import { registerSourceMap } from './web/source_map.js';
import { localRequestCf } from './web/request_cf.js';
import { Cache, CacheStorage, caches, HTMLRewriter } from './web/cache.js';
import {
  configureRpc,
  initRpc,
  invokeActor,
  invokeEntrypoint,
  invokeExport,
  makeServiceStub,
  reviveResult,
  withDispose,
  errorToWire,
  errorFromWire,
  markResetError,
} from './cloudflare/rpc.js';
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
  setCloneRules,
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
  instanceConstructed,
} from './cloudflare/durable_objects.js';
import { makeId } from './cloudflare/durable_object_id.js';
import { installCompat } from './compat/index.js';
import {
  initNamespaces,
  makeLoopbackNamespace,
  makeNamespace,
} from './cloudflare/namespace.js';
import { attachCtxExports, setCtxExports } from './cloudflare/ctx_exports.js';

function defineGlobals(values) {
  for (const [name, value] of Object.entries(values)) {
    // The bundler may rename a class whose name another module also uses.
    if (typeof value === 'function' && /^[A-Z]/.test(name) &&
        value.name !== name) {
      Object.defineProperty(value, 'name', { value: name });
    }
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

function makeEnv(bindings) {
  const env = {};
  for (const binding of bindings) {
    switch (binding.kind) {
      case 'json':
        env[binding.name] = JSON.parse(binding.json);
        break;
      case 'text':
        env[binding.name] = binding.text;
        break;
      case 'durable_object':
        env[binding.name] = makeNamespace(binding.handle);
        break;
      case 'service':
        env[binding.name] = makeServiceStub(binding.handle);
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
// streamed body keeps it open the same way until it has been written
// (pumpToHost in web/io.js). Durable Object events take no RequestScope:
// their timers live on.
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
  if (wire.cf === undefined) wire.cf = localRequestCf();
  const request = requestFromWire(wire);
  const handler = exports.default;
  const ctx = ExecutionContext.create(scope);
  attachCtxExports(ctx);
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
  const state = new DurableObjectState(id, storage, className);
  const instance = new cls(state, env);
  // From here on setAlarm() needs an alarm() handler (workerd checks once constructed).
  instanceConstructed(storage, instance);
  await state.settled();
  return instance;
}

// The argument of alarm(): own properties, as workerd gives them.
class AlarmInvocationInfo {
  constructor(scheduledTime, retryCount) {
    this.scheduledTime = scheduledTime;
    this.retryCount = retryCount;
    this.isRetry = retryCount > 0;
  }
}

// Runs the object's alarm() handler; the host checked that it exists.
function invokeAlarm(instance, scheduledTime, retryCount) {
  return instance.alarm(new AlarmInvocationInfo(scheduledTime, retryCount));
}

// Names of the classes a module exports, for config checks.
function exportedClasses(exports) {
  return Object.keys(exports).filter((k) => typeof exports[k] === 'function');
}

export function setup(natives) {
  initDurableObjects(natives);
  initRpc(natives);
  initNamespaces(natives);
  initScope(natives);
  initTimers(natives);
  initGlobalScope(natives);
  streams.initStreams(natives);
  installIoGlobals(natives);
  defineGlobals({ WebSocketRequestResponsePair });
  webCrypto.initCrypto(natives);
  initEncoding(natives);
  installStackFilter();
  setCloneRules([
    [Headers, 'clone'], [Request, 'clone'], [File, 'refuse'], [Blob, 'clone'],
    [DOMException, 'clone'], [Response, 'stream'],
    [streams.ReadableStream, 'stream'], [streams.WritableStream, 'stream'],
    [streams.TransformStream, 'stream'], [events.AbortSignal, 'signal'],
    [URL, 'refuse'], [URLSearchParams, 'refuse'], [FormData, 'refuse'],
    [events.Event, 'refuse'], [events.EventTarget, 'refuse'],
    [TextEncoder, 'refuse'], [TextDecoder, 'refuse'],
    [webCrypto.CryptoKey, 'refuse'], [webCrypto.Crypto, 'refuse'],
    [webCrypto.SubtleCrypto, 'refuse'], [URLPattern, 'refuse'],
    [streams.TextEncoderStream, 'refuse'], [streams.TextDecoderStream, 'refuse'],
    [streams.CompressionStream, 'refuse'],
    [streams.DecompressionStream, 'refuse'],
  ]);
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
    crypto: webCrypto.crypto(),
    Crypto: webCrypto.Crypto,
    SubtleCrypto: webCrypto.SubtleCrypto,
    CryptoKey: webCrypto.CryptoKey,
    Event: events.Event,
    EventTarget: events.EventTarget,
    CustomEvent: events.CustomEvent,
    AbortController: events.AbortController,
    AbortSignal: events.AbortSignal,
    ErrorEvent: events.ErrorEvent,
    MessageEvent: events.MessageEvent,
    CloseEvent: events.CloseEvent,
    PromiseRejectionEvent: events.PromiseRejectionEvent,
    Blob,
    File,
    FormData,
    Body,
    URLPattern,
    addEventListener: events.globalEvents.addEventListener,
    removeEventListener: events.globalEvents.removeEventListener,
    dispatchEvent: events.globalEvents.dispatchEvent,
    caches,
    Cache,
    CacheStorage,
    HTMLRewriter,
  });
  return {
    builtinModules: {
      'cloudflare:workers': { DurableObject, WorkerEntrypoint, RpcTarget },
      ...installCompat(natives),
    },
    makeEnv,
    // [[className, handle], ...] -> ctx.exports; null turns it off.
    setCtxExports: (classes) => setCtxExports(classes === null ? null :
      Object.fromEntries(classes.map(([name, handle]) =>
        [name, makeLoopbackNamespace(handle)]))),
    dispatchFetch,
    createInstance,
    invokeAlarm,
    configureRpc(worker, compatibilityDate, flags, limits) {
      configureRpc(worker, compatibilityDate, flags, limits);
      configureWebSockets(compatibilityDate, flags);
    },
    invokeActor,
    invokeEntrypoint,
    invokeExport,
    reviveResult,
    withDispose,
    errorToWire,
    errorFromWire,
    markResetError,
    exportedClasses,
    registerSourceMap,
    fireTimer,
    endGlobalScope,
    unhandledRejection: events.unhandledRejection,
    rejectionHandled: events.rejectionHandled,
  };
}
