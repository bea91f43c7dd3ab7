// node:async_hooks: AsyncLocalStorage and AsyncResource on the frame V8
// carries along promise continuations (web/scope.js), so a store set by
// run() is seen after every await, in timers and in microtasks queued
// inside it, as with workerd's AsyncContextFrame.

import { AsyncFrame, currentFrame, runInFrame } from '../web/scope.js';
import { moduleExports } from './module_table.js';

// A copy of the current frame with `storage` set to `value` (or removed).
function frameWith(storage, value, remove) {
  const frame = currentFrame();
  const scope = frame instanceof AsyncFrame ? frame.scope : null;
  const stores = new Map(frame instanceof AsyncFrame && frame.stores !== null
    ? frame.stores : undefined);
  if (remove) {
    stores.delete(storage);
  } else {
    stores.set(storage, value);
  }
  return new AsyncFrame(scope, stores.size > 0 ? stores : null);
}

function requireFunction(fn, name) {
  if (typeof fn !== 'function') {
    const error = new TypeError(
      `The "${name}" argument must be of type function. Received ` +
        describeReceived(fn));
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
}

function describeReceived(value) {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `function ${value.name}`;
  if (typeof value === 'object') return 'an instance of ' +
    (value.constructor?.name ?? 'Object');
  let shown = String(value);
  if (shown.length > 28) shown = shown.slice(0, 25) + '...';
  if (typeof value === 'string') shown = `'${shown}'`;
  return `type ${typeof value} (${shown})`;
}

export class AsyncLocalStorage {
  run(store, fn, ...args) {
    requireFunction(fn, 'fn');
    return runInFrame(frameWith(this, store, false), () => fn(...args));
  }

  exit(fn, ...args) {
    requireFunction(fn, 'fn');
    return runInFrame(frameWith(this, undefined, true), () => fn(...args));
  }

  getStore() {
    const frame = currentFrame();
    if (!(frame instanceof AsyncFrame) || frame.stores === null) return undefined;
    return frame.stores.get(this);
  }

  // workerd has no enterWith() and no disable(): a store lives as long as
  // the run() that set it.
  static bind(fn) {
    requireFunction(fn, 'fn');
    const frame = currentFrame();
    return function bound(...args) {
      return runInFrame(frame, () => fn.apply(this, args));
    };
  }

  static snapshot() {
    const frame = currentFrame();
    return (fn, ...args) => {
      requireFunction(fn, 'fn');
      return runInFrame(frame, () => fn(...args));
    };
  }
}

export class AsyncResource {
  #frame;

  constructor(type, options = undefined) {
    if (typeof type !== 'string') {
      const error = new TypeError(
        'The "type" argument must be of type string. Received ' +
          describeReceived(type));
      error.code = 'ERR_INVALID_ARG_TYPE';
      throw error;
    }
    void options;
    this.#frame = currentFrame();
  }

  runInAsyncScope(fn, thisArg, ...args) {
    requireFunction(fn, 'fn');
    return runInFrame(this.#frame, () => fn.apply(thisArg, args));
  }

  bind(fn, thisArg = undefined) {
    requireFunction(fn, 'fn');
    const resource = this;
    return function bound(...args) {
      return resource.runInAsyncScope(fn, thisArg ?? this, ...args);
    };
  }

  static bind(fn, type = undefined, thisArg = undefined) {
    return new AsyncResource(type ?? (fn.name || 'bound-anonymous-fn'))
      .bind(fn, thisArg);
  }

  emitDestroy() {
    return this;
  }

  asyncId() {
    return 0;
  }

  triggerAsyncId() {
    return 0;
  }
}

// The async_hooks tracking API (createHook and ids) is not part of
// workerd's module either beyond these inert forms.
function createHook() {
  return { enable() { return this; }, disable() { return this; } };
}

export const asyncHooksModule = () => moduleExports({
  AsyncLocalStorage,
  AsyncResource,
  asyncWrapProviders: Object.freeze({ __proto__: null }),
  createHook,
  executionAsyncId: () => 0,
  executionAsyncResource: () => ({}),
  triggerAsyncId: () => 0,
});
