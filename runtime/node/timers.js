// node:timers and node:timers/promises on the global timers, plus
// setImmediate()/clearImmediate(), which run the callback in a task of
// its own, after the current one.

import { moduleExports } from './module_table.js';

class Immediate {
  #id;

  constructor(id) {
    this.#id = id;
  }

  clear() {
    clearTimeout(this.#id);
  }

  hasRef() {
    return true;
  }

  ref() {
    return this;
  }

  unref() {
    return this;
  }
}

export function setImmediate(callback, ...args) {
  if (typeof callback !== 'function') {
    const error = new TypeError(
      'The "callback" argument must be of type function. Received ' +
        (callback === undefined || callback === null ? String(callback)
          : `type ${typeof callback}`));
    error.code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
  return new Immediate(setTimeout(callback, 0, ...args));
}

export function clearImmediate(immediate) {
  if (immediate instanceof Immediate) immediate.clear();
}

function abortError(signal) {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  error.cause = signal.reason;
  return error;
}

function delay(ms, value, options) {
  const signal = options?.signal;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const id = setTimeout(() => resolve(value), ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(id);
      reject(abortError(signal));
    }, { once: true });
  });
}

async function* interval(ms, value, options) {
  for (;;) {
    yield await delay(ms, value, options);
  }
}

const promises = {
  setTimeout: (ms, value, options) => delay(ms, value, options),
  setImmediate: (value, options) => delay(0, value, options),
  setInterval: interval,
  scheduler: {
    wait: (ms, options) => delay(ms, undefined, options),
    yield: () => delay(0),
  },
};

export const timersPromisesModule = () => moduleExports(promises);

export const timersModule = () => moduleExports({
  promises,
  setTimeout: (...args) => globalThis.setTimeout(...args),
  clearTimeout: (...args) => globalThis.clearTimeout(...args),
  setImmediate,
  clearImmediate,
  setInterval: (...args) => globalThis.setInterval(...args),
  clearInterval: (...args) => globalThis.clearInterval(...args),
});
