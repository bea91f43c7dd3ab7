// node:events on the `events` npm package (Node's EventEmitter for
// bundlers).


const errorMonitor = Symbol('events.errorMonitor');
const captureRejectionSymbol = Symbol.for('nodejs.rejection');

function getEventListeners(emitter, name) {
  if (typeof emitter.listeners === 'function') return emitter.listeners(name);
  // TODO(conform): listeners of an EventTarget; an empty list instead.
  return [];
}

function listenerCount(emitter, name) {
  return emitter.listenerCount(name);
}

function setMaxListeners(n = undefined, ...targets) {
  const EventEmitter = require('events');
  n ??= EventEmitter.defaultMaxListeners;
  if (targets.length === 0) {
    EventEmitter.defaultMaxListeners = n;
  } else {
    for (const target of targets) {
      if (typeof target.setMaxListeners === 'function') target.setMaxListeners(n);
    }
  }
}

function getMaxListeners(emitter) {
  return emitter.getMaxListeners();
}

// An async iterator over `name` events; ends with an 'error' event.
function on(emitter, name) {
  const queue = [];
  const waiting = [];
  let failure = null;
  const push = (...args) => {
    if (waiting.length > 0) waiting.shift().resolve({ value: args, done: false });
    else queue.push(args);
  };
  const fail = (error) => {
    failure = error;
    while (waiting.length > 0) waiting.shift().reject(error);
  };
  emitter.on(name, push);
  if (name !== 'error') emitter.on('error', fail);
  const stop = () => {
    emitter.removeListener(name, push);
    emitter.removeListener('error', fail);
  };
  return {
    next() {
      if (queue.length > 0) {
        return Promise.resolve({ value: queue.shift(), done: false });
      }
      if (failure !== null) {
        const error = failure;
        failure = null;
        stop();
        return Promise.reject(error);
      }
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    return() {
      stop();
      for (const w of waiting.splice(0)) w.resolve({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function addAbortListener(signal, listener) {
  signal.addEventListener('abort', listener, { once: true });
  return { [Symbol.dispose ?? Symbol.for('dispose')]() {
    signal.removeEventListener('abort', listener);
  } };
}


// `import EventEmitter from 'node:events'` gives the class itself, which
// carries the module's other exports as static properties, as in Node.
// The package is loaded on first import, so Workers without nodejs_compat
// do not pay for it when an isolate starts.
export function eventsModule() {
  const EventEmitter = require('events');
  const named = {
    on,
    once: EventEmitter.once,
    getEventListeners,
    getMaxListeners,
    setMaxListeners,
    listenerCount,
    EventEmitter,
    usingDomains: false,
    captureRejectionSymbol,
    errorMonitor,
    captureRejections: false,
    defaultMaxListeners: EventEmitter.defaultMaxListeners,
    addAbortListener,
  };
  for (const [key, value] of Object.entries(named)) {
    if (!(key in EventEmitter)) EventEmitter[key] = value;
  }
  return { ...named, default: EventEmitter };
}
