// The small globals of workerd's ServiceWorkerGlobalScope: performance,
// navigator, scheduler, structuredClone and reportError.

import { DOMException } from './dom_exception.js';
import { inspectByGetters } from './inspect_hook.js';
import { isGlobalScope } from './scope.js';
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
    // TODO(conform): sendBeacon() needs outbound fetch; it throws until
    // fetch() exists.
    if (typeof globalThis.fetch !== 'function') {
      throw new Error('navigator.sendBeacon() is not implemented in dohost.');
    }
    globalThis.fetch(`${url}`, { method: 'POST', body }).catch(() => {});
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

function abortReason(signal) {
  return signal.reason;
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
// Request, Blob and DOMException are cloned (at the top level; nested in
// other values dohost refuses them by name), the rest refused with
// workerd's DataCloneError.

let hostTypes = null;

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
  if (rule === 'clone') {
    return cloneError(`structuredClone() of a ${name} inside another value ` +
      'is not implemented in dohost.');
  }
  return cloneError(`Could not serialize object of type "${name}". This ` +
    'type does not support serialization.');
}

// Throws for the first host object found inside `root` (not `root` itself).
function checkNested(root) {
  const seen = new Set([root]);
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    let children;
    if (Array.isArray(value)) {
      children = value;
    } else if (value instanceof Map) {
      children = [...value.keys(), ...value.values()];
    } else if (value instanceof Set) {
      children = [...value];
    } else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      continue;
    } else {
      children = Object.values(value);
    }
    for (const child of children) {
      if (child === null || typeof child !== 'object' || seen.has(child)) {
        continue;
      }
      seen.add(child);
      const found = hostRule(child);
      if (found !== null) throw refusal(child, found[0], found[1]);
      stack.push(child);
    }
  }
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
    checkNested(value);
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
