// setTimeout, setInterval, clearTimeout, clearInterval and queueMicrotask,
// with workerd's argument checks and messages. The host keeps the clock
// (natives.timerStart/timerCancel on the isolate's loop) and calls
// fireTimer(id) in a loop task of its own per due timer, so microtasks
// queued by one callback run before the next callback.
//
// Timer ids are numbers from 1, shared by timeouts and intervals (either
// clear function clears either kind), as on workerd.

import {
  currentFrame,
  currentScope,
  requireHandlerScope,
  runInFrame,
} from './scope.js';

let natives = null;
let nextId = 1;
// id -> { callback, args, delay, repeat, frame, unregister }
const timers = new Map();

export function initTimers(hostNatives) {
  natives = hostNatives;
}

function notAFunction(method) {
  return new TypeError(
    `Failed to execute '${method}' on 'ServiceWorkerGlobalScope': ` +
      "parameter 1 is not of type 'function'.",
  );
}

// jsg's conversion of the optional delay: ToNumber, which refuses BigInt
// and Symbol with V8's messages; NaN and negative delays mean 0.
function toDelay(delay) {
  if (delay === undefined) return 0;
  const ms = +delay;
  return ms > 0 ? ms : 0;
}

function startTimer(method, repeat, callback, delay, args) {
  if (typeof callback !== 'function') throw notAFunction(method);
  const ms = toDelay(delay);
  requireHandlerScope();
  const id = nextId++;
  const scope = currentScope();
  // The callback runs in the frame it was set in: its request and its
  // AsyncLocalStorage values, as on workerd.
  const timer = {
    callback, args, delay: ms, repeat, frame: currentFrame(), unregister: null,
  };
  if (scope !== null) timer.unregister = scope.onClose(() => clear(id));
  timers.set(id, timer);
  natives.timerStart(id, ms);
  return id;
}

function clear(id) {
  const timer = timers.get(id);
  if (timer === undefined) return;
  timers.delete(id);
  if (timer.unregister !== null) timer.unregister();
  natives.timerCancel(id);
}

function clearTimer(method, args) {
  if (args.length < 1) {
    throw new TypeError(
      `Failed to execute '${method}' on 'ServiceWorkerGlobalScope': ` +
        "parameter 1 is not of type 'Number'.",
    );
  }
  const id = args[0];
  if (typeof id === 'number') clear(id);
}

// Rest parameters keep each function's length 0, as jsg's are.
export function setTimeout(...args) {
  return startTimer('setTimeout', false, args[0], args[1], args.slice(2));
}

export function setInterval(...args) {
  return startTimer('setInterval', true, args[0], args[1], args.slice(2));
}

export function clearTimeout(...args) {
  clearTimer('clearTimeout', args);
}

export function clearInterval(...args) {
  clearTimer('clearInterval', args);
}

// Called by the host when timer `id` is due. A callback that throws is
// reported as uncaught, as workerd does, and the Worker carries on.
export function fireTimer(id) {
  const timer = timers.get(id);
  if (timer === undefined) return;
  if (!timer.repeat) {
    timers.delete(id);
    if (timer.unregister !== null) timer.unregister();
  }
  runInFrame(timer.frame, () => {
    try {
      timer.callback.apply(globalThis, timer.args);
    } catch (error) {
      natives.reportError('Uncaught ', error);
    }
  });
  if (timer.repeat && timers.get(id) === timer) {
    natives.timerStart(id, timer.delay);
  }
}

// ===========================================================================
// queueMicrotask

const resolved = Promise.resolve();

export function queueMicrotask(...args) {
  const callback = args[0];
  if (typeof callback !== 'function') {
    throw new TypeError(
      "Failed to execute 'queueMicrotask' on 'ServiceWorkerGlobalScope': " +
        "parameter 1 is not of type 'function'.",
    );
  }
  // A reaction on a settled promise is queued at once, in order with
  // other microtasks; what the callback throws is reported, not turned
  // into a rejection.
  resolved.then(() => {
    try {
      callback();
    } catch (error) {
      natives.reportError('Uncaught ', error);
    }
  });
}

// Names are set by hand: the bundler may rename a function whose name
// another bundled module also uses for the global.
for (const [name, fn] of Object.entries({ setTimeout, setInterval,
  clearTimeout, clearInterval, queueMicrotask })) {
  Object.defineProperty(fn, 'length', { value: 0 });
  Object.defineProperty(fn, 'name', { value: name });
}
