// The small globals of workerd's ServiceWorkerGlobalScope: performance,
// navigator, scheduler, structuredClone and reportError.

import { DOMException } from './dom_exception.js';
import { inspectByGetters } from './inspect_hook.js';
import { currentScope, isGlobalScope } from './scope.js';
import { setTimeout, clearTimeout } from './timers.js';
import {
  finishInterface,
  illegalInvocation,
  isArrayBuffer,
} from './webidl.js';

let natives = null;

export function initGlobalScope(hostNatives) {
  natives = hostNatives;
}

const kConstruct = Symbol('construct');

function illegalConstructor() {
  return new TypeError('Illegal constructor');
}

// ===========================================================================
// performance

// workerd's clock: performance.now() is the time since the epoch in whole
// milliseconds, as Date.now(), and timeOrigin is 0. At global scope, where
// workerd has no request clock, it reads 0.
class Performance {
  constructor(token) {
    if (token !== kConstruct) throw illegalConstructor();
  }

  get timeOrigin() {
    if (!(this instanceof Performance)) throw illegalInvocation();
    return 0;
  }

  now() {
    if (!(this instanceof Performance)) throw illegalInvocation();
    return isGlobalScope() ? 0 : Date.now();
  }
}

Object.defineProperty(Performance.prototype, Symbol.toStringTag, {
  value: 'Performance',
  configurable: true,
});
finishInterface(Performance);
inspectByGetters(Performance);

// ===========================================================================
// navigator

export class Navigator {
  constructor(token) {
    if (token !== kConstruct) throw illegalConstructor();
    // Own read-only data properties, in workerd's order.
    const define = (key, value) => Object.defineProperty(this, key, {
      value, writable: false, enumerable: true, configurable: true,
    });
    define('languages', ['en']);
    define('language', 'en');
    define('platform', '');
    define('hardwareConcurrency', 1);
    define('userAgent', 'Cloudflare-Workers');
  }

  sendBeacon(url, body = undefined) {
    if (!(this instanceof Navigator)) throw illegalInvocation();
    if (arguments.length < 1) {
      throw new TypeError(
        "Failed to execute 'sendBeacon' on 'Navigator': parameter 1 is not " +
          "of type 'string'.",
      );
    }
    // A POST that is not awaited: the request stays open until it is sent,
    // as ctx.waitUntil() would keep it.
    const sending = globalThis.fetch(`${url}`, { method: 'POST', body })
      .then((response) => response.body?.cancel(), () => {});
    currentScope()?.waitUntil(sending);
    return true;
  }
}

Object.defineProperty(Navigator.prototype, Symbol.toStringTag, {
  value: 'Navigator',
  configurable: true,
});
finishInterface(Navigator);

// ===========================================================================
// scheduler

// workerd rejects with the abort reason as an exception: an error stays
// itself, any other value becomes an Error with its text as message.
function abortReason(signal) {
  const reason = signal.reason;
  if (reason instanceof Error || reason instanceof DOMException) return reason;
  return new Error(String(reason));
}

class Scheduler {
  constructor(token) {
    if (token !== kConstruct) throw illegalConstructor();
  }

  // scheduler.wait(ms, { signal }): a promise that resolves (to undefined)
  // after `ms` milliseconds, or rejects with the signal's reason when it
  // aborts first.
  wait(delay = undefined, options = undefined) {
    if (!(this instanceof Scheduler)) throw illegalInvocation();
    const signal = options !== null && typeof options === 'object' ?
      options.signal : undefined;
    return new Promise((resolve, reject) => {
      if (signal != null && signal.aborted) {
        reject(abortReason(signal));
        return;
      }
      let onAbort = null;
      const id = setTimeout(() => {
        if (onAbort !== null) signal.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      if (signal != null) {
        onAbort = () => {
          clearTimeout(id);
          reject(abortReason(signal));
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
}

Object.defineProperty(Scheduler.prototype, Symbol.toStringTag, {
  value: 'Scheduler',
  configurable: true,
});
finishInterface(Scheduler);

export const performance = new Performance(kConstruct);
export const navigator = new Navigator(kConstruct);
export const scheduler = new Scheduler(kConstruct);

// ===========================================================================
// structuredClone, reportError

// ---- structuredClone of dohost's own classes. V8's serializer sees their
// instances as plain objects (their state is in private fields), so they
// are found first and handled as workerd handles its C++ types: Headers,
// Request, Blob and DOMException are cloned, the rest refused with
// workerd's DataCloneError. Nested in other values, the cloneable ones are
// swapped for markers in a copy of the containers, the copy goes through
// V8's serializer, and the markers are replaced by clones afterwards.

let hostTypes = null;
const kMarker = '\u0000dohost.clone';

// Set by runtime/index.js once every class exists: [[Class, rule], ...],
// rule being 'clone', 'stream', 'signal' or 'refuse'.
export function setCloneRules(rules) {
  hostTypes = rules;
}

function hostRule(value) {
  if (hostTypes === null) return null;
  for (const [Class, rule] of hostTypes) {
    if (value instanceof Class) return [Class, rule];
  }
  return null;
}

function cloneError(message) {
  return new DOMException(message, 'DataCloneError');
}

function refusal(value, Class, rule) {
  const name = value[Symbol.toStringTag] ?? Class.name;
  if (rule === 'stream') {
    return cloneError('ReadableStream can only be serialized for RPC.');
  }
  if (rule === 'signal') {
    return cloneError('AbortSignal serialization is not enabled.');
  }
  return cloneError(`Could not serialize object of type "${name}". This ` +
    'type does not support serialization.');
}

// Arrays, Maps, Sets and plain (or class-instance) objects: what the
// serializer walks into and this module may copy.
function isContainer(value) {
  return Array.isArray(value) || value instanceof Map ||
    value instanceof Set ||
    Object.prototype.toString.call(value) === '[object Object]';
}

function childrenOf(value) {
  if (Array.isArray(value)) return value;
  if (value instanceof Map) return [...value.keys(), ...value.values()];
  if (value instanceof Set) return [...value];
  return Object.values(value);
}

// Throws for a host object that cannot be cloned inside `root`; says
// whether there are cloneable ones to swap.
function scanNested(root) {
  const seen = new Set([root]);
  const stack = [root];
  let cloneable = false;
  while (stack.length > 0) {
    for (const child of childrenOf(stack.pop())) {
      if (child === null || typeof child !== 'object' || seen.has(child)) {
        continue;
      }
      seen.add(child);
      const found = hostRule(child);
      if (found !== null) {
        if (found[1] !== 'clone') throw refusal(child, found[0], found[1]);
        cloneable = true;
      } else if (isContainer(child)) {
        stack.push(child);
      }
    }
  }
  return cloneable;
}

function cloneHostObject(value, Class) {
  switch (Class.name) {
    case 'Headers':
      return new Class(value);
    case 'Blob':
      return new Class([value], { type: value.type });
    case 'DOMException':
      return new Class(value.message, value.name);
    case 'Request':
      if (value.body !== null) {
        throw cloneError('ReadableStream can only be serialized for RPC.');
      }
      return new Class(value.url, { method: value.method,
        headers: value.headers, redirect: value.redirect });
  }
  throw refusal(value, Class, 'refuse');
}

// A copy of the containers of `root` with host objects replaced by
// markers; `clones` receives the clone each marker stands for.
function withMarkers(root, clones) {
  const copies = new Map();
  const copy = (value) => {
    if (value === null || typeof value !== 'object') return value;
    if (copies.has(value)) return copies.get(value);
    const found = hostRule(value);
    if (found !== null) {
      const marker = { [kMarker]: clones.length };
      clones.push(cloneHostObject(value, found[0]));
      copies.set(value, marker);
      return marker;
    }
    if (!isContainer(value)) return value;
    if (Array.isArray(value)) {
      const out = [];
      copies.set(value, out);
      value.forEach((item, index) => {
        out[index] = copy(item);
      });
      return out;
    }
    if (value instanceof Map) {
      const out = new Map();
      copies.set(value, out);
      for (const [key, item] of value) out.set(copy(key), copy(item));
      return out;
    }
    if (value instanceof Set) {
      const out = new Set();
      copies.set(value, out);
      for (const item of value) out.add(copy(item));
      return out;
    }
    const out = {};
    copies.set(value, out);
    for (const [key, item] of Object.entries(value)) out[key] = copy(item);
    return out;
  };
  return copy(root);
}

function isMarker(value) {
  return value !== null && typeof value === 'object' &&
    Object.prototype.hasOwnProperty.call(value, kMarker);
}

// Replaces the markers in the serializer's copy, in place.
function replaceMarkers(root, clones) {
  const swap = (value) => (isMarker(value) ? clones[value[kMarker]] : value);
  const seen = new Set();
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value) ||
        isMarker(value) || !isContainer(value)) {
      continue;
    }
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        value[index] = swap(item);
      });
    } else if (value instanceof Map) {
      const entries = [...value].map(([k, v]) => [swap(k), swap(v)]);
      value.clear();
      for (const [k, v] of entries) value.set(k, v);
    } else if (value instanceof Set) {
      const items = [...value].map(swap);
      value.clear();
      for (const item of items) value.add(item);
    } else {
      for (const key of Object.keys(value)) value[key] = swap(value[key]);
    }
    stack.push(...childrenOf(value));
  }
  return root;
}

export function structuredClone(...args) {
  if (args.length < 1) {
    throw new TypeError(
      "Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': " +
        "parameter 1 is not of type 'Value'.",
    );
  }
  const [value, options] = args;
  let transfer = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== 'object' && typeof options !== 'function') {
      throw new TypeError(
        "Failed to execute 'structuredClone' on 'ServiceWorkerGlobalScope': " +
          "parameter 2 is not of type 'StructuredCloneOptions'.",
      );
    }
    if (options.transfer !== undefined) {
      if (!Array.isArray(options.transfer)) {
        throw new TypeError(
          "Incorrect type for the 'transfer' field on " +
            "'StructuredCloneOptions': the provided value is not of type " +
            "'Array'.",
        );
      }
      transfer = [];
      for (const item of options.transfer) {
        if (!isArrayBuffer(item)) {
          throw new DOMException('Object is not transferable.',
            'DataCloneError');
        }
        if (!transfer.includes(item)) transfer.push(item);
      }
    }
  }
  if (value !== null && typeof value === 'object') {
    const found = hostRule(value);
    if (found !== null) {
      if (found[1] === 'clone') return cloneHostObject(value, found[0]);
      throw refusal(value, found[0], found[1]);
    }
    if (isContainer(value) && scanNested(value)) {
      const clones = [];
      const copy = withMarkers(value, clones);
      return replaceMarkers(natives.structuredClone(copy, transfer), clones);
    }
  }
  return natives.structuredClone(value, transfer);
}

export function reportError(...args) {
  natives.reportError('Uncaught ', args[0]);
}

// Names by hand, as the bundler may rename these functions.
for (const [name, fn] of Object.entries({ structuredClone, reportError })) {
  Object.defineProperty(fn, 'length', { value: 0 });
  Object.defineProperty(fn, 'name', { value: name });
}
