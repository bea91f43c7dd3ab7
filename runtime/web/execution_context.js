// ExecutionContext, the `ctx` of a fetch handler (and of a
// WorkerEntrypoint): waitUntil() keeps the request's scope open, and so
// its timers alive, until the promise settles; passThroughOnException()
// is accepted.

import { RequestScope } from './scope.js';
import { finishInterface, illegalInvocation } from './webidl.js';

const kConstruct = Symbol('ExecutionContext');

export class ExecutionContext {
  #scope;

  constructor(token, scope) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    this.#scope = scope;
    // workerd gives ctx an own `props` (what a service binding passed).
    this.props = {};
  }

  // `scope`: the RequestScope of the event, or null for events that live
  // as long as the isolate (waitUntil then only logs a rejection).
  static create(scope) {
    return new ExecutionContext(kConstruct, scope ?? new RequestScope());
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#scope in self)) {
      throw illegalInvocation();
    }
  }

  // Any value is accepted, as jsg turns it into a promise; only a missing
  // argument is refused.
  waitUntil(promise) {
    ExecutionContext.#check(this);
    if (arguments.length < 1) {
      throw new TypeError(
        "Failed to execute 'waitUntil' on 'ExecutionContext': parameter 1 " +
          "is not of type 'Promise'.",
      );
    }
    this.#scope.waitUntil(promise);
  }

  // TODO(compat): workerd forwards the request to the origin when the
  // handler then throws; dohost has no origin and answers 500 as without it.
  passThroughOnException() {
    ExecutionContext.#check(this);
  }

  // TODO(conform): workerd's ctx.mapVirtualHost() and ctx.abort() are
  // missing; they throw rather than being undefined.
  mapVirtualHost() {
    ExecutionContext.#check(this);
    throw new Error('ctx.mapVirtualHost() is not implemented in dohost.');
  }

  abort() {
    ExecutionContext.#check(this);
    throw new Error('ctx.abort() is not implemented in dohost.');
  }
}

Object.defineProperty(ExecutionContext.prototype, Symbol.toStringTag, {
  value: 'ExecutionContext',
  configurable: true,
});
finishInterface(ExecutionContext);
