// Event, EventTarget, CustomEvent, AbortController and AbortSignal, as
// workerd has them: there is no DOM tree, so an event only ever reaches
// its target (phase AT_TARGET); a listener that throws makes
// dispatchEvent() throw, as it does on workerd.

import { DOMException } from './dom_exception.js';
import { inspectByGetters } from './inspect_hook.js';
import { setTimeout } from './timers.js';
import {
  finishInterface,
  illegalInvocation,
  requireNew,
  wrongConstructorArg,
} from './webidl.js';

// ===========================================================================
// Event

let eventState;

export class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #canceled = false;
  #stop = false;
  #stopImmediate = false;
  #target = undefined;
  #currentTarget = undefined;
  #phase = 0;
  // workerd reports 0: its clock does not move within an event.
  #timeStamp = 0;

  constructor(...args) {
    requireNew(new.target, 'Event');
    if (args.length < 1) throw wrongConstructorArg('Event', 1, 'string');
    const init = args[1] ?? {};
    this.#type = `${args[0]}`;
    this.#bubbles = Boolean(init.bubbles);
    this.#cancelable = Boolean(init.cancelable);
    this.#composed = Boolean(init.composed);
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#type in self)) {
      throw illegalInvocation();
    }
    return self;
  }

  static {
    eventState = (event) => ({
      begin(target) {
        event.#target = target;
        event.#currentTarget = target;
        event.#phase = 2;
      },
      end() {
        event.#currentTarget = undefined;
        event.#phase = 0;
        event.#stop = false;
        event.#stopImmediate = false;
      },
      stoppedImmediately: () => event.#stopImmediate,
      canceled: () => event.#canceled,
    });
  }

  get type() {
    return Event.#check(this).#type;
  }

  get eventPhase() {
    return Event.#check(this).#phase;
  }

  get composed() {
    return Event.#check(this).#composed;
  }

  get bubbles() {
    return Event.#check(this).#bubbles;
  }

  get cancelable() {
    return Event.#check(this).#cancelable;
  }

  get defaultPrevented() {
    return Event.#check(this).#canceled;
  }

  get returnValue() {
    return !Event.#check(this).#canceled;
  }

  get currentTarget() {
    return Event.#check(this).#currentTarget;
  }

  get target() {
    return Event.#check(this).#target;
  }

  get srcElement() {
    return Event.#check(this).#target;
  }

  get timeStamp() {
    return Event.#check(this).#timeStamp;
  }

  get isTrusted() {
    Event.#check(this);
    return false;
  }

  get cancelBubble() {
    return Event.#check(this).#stop;
  }

  set cancelBubble(value) {
    if (value) Event.#check(this).#stop = true;
  }

  stopImmediatePropagation() {
    const self = Event.#check(this);
    self.#stop = true;
    self.#stopImmediate = true;
  }

  preventDefault() {
    const self = Event.#check(this);
    if (self.#cancelable) self.#canceled = true;
  }

  stopPropagation() {
    Event.#check(this).#stop = true;
  }

  composedPath() {
    const self = Event.#check(this);
    return self.#currentTarget === undefined ? [] : [self.#currentTarget];
  }
}

const kPhases = [['NONE', 0], ['CAPTURING_PHASE', 1], ['AT_TARGET', 2],
  ['BUBBLING_PHASE', 3]];
for (const [name, value] of kPhases) {
  const descriptor = { value, enumerable: true };
  Object.defineProperty(Event.prototype, name, descriptor);
  Object.defineProperty(Event, name, descriptor);
}
Object.defineProperty(Event.prototype, Symbol.toStringTag, {
  value: 'Event',
  configurable: true,
});
finishInterface(Event);
inspectByGetters(Event);

export class CustomEvent extends Event {
  #detail;

  constructor(...args) {
    requireNew(new.target, 'CustomEvent');
    if (args.length < 1) throw wrongConstructorArg('CustomEvent', 1, 'string');
    super(...args);
    this.#detail = args[1]?.detail ?? null;
  }

  get detail() {
    if (!(this instanceof Object) || !(#detail in this)) {
      throw illegalInvocation();
    }
    return this.#detail;
  }
}

Object.defineProperty(CustomEvent.prototype, Symbol.toStringTag, {
  value: 'CustomEvent',
  configurable: true,
});
finishInterface(CustomEvent);

// ===========================================================================
// EventTarget

const kNotListener =
  "Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is " +
  "not of type 'function or HandlerObject'.";

function optionsOf(options) {
  if (typeof options === 'boolean') return { capture: options };
  return options ?? {};
}

let listenerCount;

export class EventTarget {
  // type -> [{ callback, capture, once, removed }]
  #listeners = new Map();

  static {
    listenerCount = (target, type) =>
      target.#listeners.get(type)?.length ?? 0;
  }

  constructor() {
    requireNew(new.target, 'EventTarget');
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#listeners in self)) {
      throw illegalInvocation();
    }
    return self;
  }

  addEventListener(type, callback = undefined, options = undefined) {
    const self = EventTarget.#check(this);
    if (arguments.length < 2 || (callback !== null &&
        typeof callback !== 'function' && typeof callback !== 'object')) {
      throw new TypeError(kNotListener);
    }
    if (callback === null) return;
    const { capture = false, once = false, signal } = optionsOf(options);
    if (signal !== undefined && signal !== null && signal.aborted) return;
    type = `${type}`;
    let list = self.#listeners.get(type);
    if (list === undefined) self.#listeners.set(type, list = []);
    if (list.some((l) => l.callback === callback &&
        l.capture === Boolean(capture))) {
      return;
    }
    const listener = { callback, capture: Boolean(capture),
      once: Boolean(once), removed: false };
    list.push(listener);
    if (signal !== undefined && signal !== null) {
      signal.addEventListener('abort',
        () => this.removeEventListener(type, callback, { capture }));
    }
  }

  removeEventListener(type, callback = undefined, options = undefined) {
    const self = EventTarget.#check(this);
    if (arguments.length < 2) {
      throw new TypeError(
        "Failed to execute 'removeEventListener' on 'EventTarget': " +
          "parameter 2 is not of type 'function or HandlerObject'.");
    }
    const list = self.#listeners.get(`${type}`);
    if (list === undefined) return;
    const capture = Boolean(optionsOf(options).capture);
    const index = list.findIndex((l) => l.callback === callback &&
      l.capture === capture);
    if (index >= 0) {
      list[index].removed = true;
      list.splice(index, 1);
    }
  }

  dispatchEvent(event) {
    const self = EventTarget.#check(this);
    if (!(event instanceof Event)) {
      throw new TypeError(
        "Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is " +
          "not of type 'Event'.");
    }
    const state = eventState(event);
    state.begin(this);
    try {
      const list = self.#listeners.get(event.type);
      for (const listener of list === undefined ? [] : [...list]) {
        if (listener.removed) continue;
        if (listener.once) this.removeEventListener(event.type,
          listener.callback, { capture: listener.capture });
        const callback = listener.callback;
        if (typeof callback === 'function') {
          callback.call(this, event);
        } else {
          callback.handleEvent(event);
        }
        if (state.stoppedImmediately()) break;
      }
    } finally {
      state.end();
    }
    return !state.canceled();
  }
}

Object.defineProperty(EventTarget.prototype, Symbol.toStringTag, {
  value: 'EventTarget',
  configurable: true,
});
finishInterface(EventTarget);
inspectByGetters(EventTarget, 'EventTarget');

// ===========================================================================
// AbortSignal, AbortController

const kConstruct = Symbol('construct');
let signalAbort;

export class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  #onabort = null;

  constructor(token) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    super();
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#aborted in self)) {
      throw illegalInvocation();
    }
    return self;
  }

  static {
    signalAbort = (signal, reason) => {
      if (signal.#aborted) return;
      signal.#aborted = true;
      signal.#reason = reason === undefined ?
        new DOMException('The operation was aborted', 'AbortError') : reason;
      signal.dispatchEvent(new Event('abort'));
    };
  }

  get aborted() {
    return AbortSignal.#check(this).#aborted;
  }

  get reason() {
    return AbortSignal.#check(this).#reason;
  }

  get onabort() {
    return AbortSignal.#check(this).#onabort;
  }

  set onabort(handler) {
    const self = AbortSignal.#check(this);
    if (self.#onabort !== null) {
      this.removeEventListener('abort', self.#onabort);
    }
    self.#onabort = typeof handler === 'function' ? handler : null;
    if (self.#onabort !== null) this.addEventListener('abort', self.#onabort);
  }

  throwIfAborted() {
    const self = AbortSignal.#check(this);
    if (self.#aborted) throw self.#reason;
  }

  static abort(reason = undefined) {
    const signal = new AbortSignal(kConstruct);
    signalAbort(signal, reason);
    return signal;
  }

  // A signal that aborts with a TimeoutError after `ms` milliseconds.
  static timeout(...args) {
    if (args.length < 1 || typeof args[0] !== 'number') {
      throw new TypeError(
        "Failed to execute 'timeout' on 'AbortSignal': parameter 1 is not " +
          "of type 'number'.");
    }
    const signal = new AbortSignal(kConstruct);
    setTimeout(() => signalAbort(signal, new DOMException(
      'The operation was aborted due to timeout', 'TimeoutError')), args[0]);
    return signal;
  }

  // A signal that aborts when the first of `signals` does, with its reason.
  static any(signals) {
    const list = [...signals];
    list.forEach((signal, index) => {
      if (!(signal instanceof AbortSignal)) {
        throw new TypeError(
          `Incorrect type for array element ${index}: the provided value is ` +
            "not of type 'AbortSignal'.");
      }
    });
    const result = new AbortSignal(kConstruct);
    const done = list.find((signal) => signal.aborted);
    if (done !== undefined) {
      signalAbort(result, done.reason);
      return result;
    }
    for (const signal of list) {
      signal.addEventListener('abort',
        () => signalAbort(result, signal.reason), { once: true });
    }
    return result;
  }
}

Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, {
  value: 'AbortSignal',
  configurable: true,
});
finishInterface(AbortSignal);
inspectByGetters(AbortSignal, 'AbortSignal', () => []);

export function newAbortSignal() {
  return new AbortSignal(kConstruct);
}

export function abortSignal(signal, reason) {
  signalAbort(signal, reason);
}

export class AbortController {
  #signal = new AbortSignal(kConstruct);

  constructor() {
    requireNew(new.target, 'AbortController');
  }

  get signal() {
    if (!(this instanceof Object) || !(#signal in this)) {
      throw illegalInvocation();
    }
    return this.#signal;
  }

  abort(reason = undefined) {
    signalAbort(this.signal, reason);
  }
}

Object.defineProperty(AbortController.prototype, Symbol.toStringTag, {
  value: 'AbortController',
  configurable: true,
});
finishInterface(AbortController);
inspectByGetters(AbortController);


// ===========================================================================
// The other event types workerd defines: plain events with a few read-only
// fields from their init dictionary.

function eventType(name, fields) {
  const Class = {
    [name]: class extends Event {
      #fields;

      constructor(...args) {
        requireNew(new.target, name);
        if (args.length < 1) throw wrongConstructorArg(name, 1, 'string');
        super(...args);
        const init = args[1] ?? {};
        this.#fields = Object.fromEntries(
          fields.map(([key, fallback]) => [key, init[key] ?? fallback]));
      }

      static fieldOf(self, key) {
        if (!(self instanceof Object) || !(#fields in self)) {
          throw illegalInvocation();
        }
        return self.#fields[key];
      }
    },
  }[name];
  const fieldOf = Class.fieldOf;
  delete Class.fieldOf;
  for (const [key] of fields) {
    Object.defineProperty(Class.prototype, key, {
      get() {
        return fieldOf(this, key);
      },
      enumerable: true,
      configurable: true,
    });
  }
  Object.defineProperty(Class.prototype, Symbol.toStringTag, {
    value: name,
    configurable: true,
  });
  finishInterface(Class);
  return Class;
}

export const ErrorEvent = eventType('ErrorEvent', [['message', ''],
  ['filename', ''], ['lineno', 0], ['colno', 0], ['error', undefined]]);
export const MessageEvent = eventType('MessageEvent', [['data', null],
  ['origin', ''], ['lastEventId', ''], ['source', null], ['ports', []]]);
export const CloseEvent = eventType('CloseEvent', [['code', 0],
  ['reason', ''], ['wasClean', false]]);
export const PromiseRejectionEvent = eventType('PromiseRejectionEvent',
  [['promise', undefined], ['reason', undefined]]);

// ===========================================================================
// The global scope as an event target: addEventListener() on the global
// object, and the "unhandledrejection" / "rejectionhandled" events the
// host raises (src/api/web_natives.cpp).

const globalTarget = new EventTarget();
const reportedRejections = new WeakSet();

export const globalEvents = {
  addEventListener(...args) {
    return globalTarget.addEventListener(...args);
  },
  removeEventListener(...args) {
    return globalTarget.removeEventListener(...args);
  },
  dispatchEvent(...args) {
    return globalTarget.dispatchEvent(...args);
  },
};
for (const [name, fn] of Object.entries(globalEvents)) {
  Object.defineProperty(fn, 'name', { value: name });
  Object.defineProperty(fn, 'length', { value: 0 });
}

// Returns true when nobody listens, so the host logs the rejection.
export function unhandledRejection(promise, reason) {
  reportedRejections.add(promise);
  if (listenerCount(globalTarget, 'unhandledrejection') === 0) return true;
  globalTarget.dispatchEvent(new PromiseRejectionEvent('unhandledrejection',
    { promise, reason }));
  return false;
}

export function rejectionHandled(promise) {
  if (!reportedRejections.has(promise)) return;
  reportedRejections.delete(promise);
  globalTarget.dispatchEvent(new PromiseRejectionEvent('rejectionhandled',
    { promise }));
}
