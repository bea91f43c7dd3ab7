// The scope of a unit of async work, as workerd ties I/O to the request
// that started it (its IoContext). A fetch event of a stateless Worker
// runs in a RequestScope: the timers it sets belong to it and are
// cancelled once its response has been sent and its ctx.waitUntil()
// promises have settled, as on workerd, where a timer left behind by a
// finished request never fires. Work with no scope (Durable Object events,
// which live as long as their object) is never cancelled this way.
//
// V8 carries the current scope along promise continuations (the
// continuation-preserved embedder data, read and written through
// natives.getScope/setScope), so `await` inside a handler stays in its
// request; timers carry it by hand (timers.js).
//
// Code that runs while a Worker's modules are evaluated is "global scope":
// workerd refuses timers and random values there.

let natives = null;
let inGlobalScope = true;

export function initScope(hostNatives) {
  natives = hostNatives;
}

// The host calls this once the Worker's modules have been evaluated.
export function endGlobalScope() {
  inGlobalScope = false;
}

export function isGlobalScope() {
  return inGlobalScope;
}

const kDisallowed =
  'Disallowed operation called within global scope. Asynchronous I/O ' +
  '(ex: fetch() or connect()), setting a timeout, and generating random ' +
  'values are not allowed within global scope. To fix this error, perform ' +
  'this operation within a handler. ' +
  'https://developers.cloudflare.com/workers/runtime-apis/handlers/';

// Throws workerd's error when called while the modules are evaluated.
export function requireHandlerScope() {
  if (inGlobalScope) throw new Error(kDisallowed);
}

// What V8 carries along continuations: the current RequestScope (or
// null) and the values of node:async_hooks' AsyncLocalStorage instances
// (a Map, or null when none is set), in one immutable frame.
export class AsyncFrame {
  constructor(scope, stores) {
    this.scope = scope;
    this.stores = stores;
  }
}

// The current frame, or undefined at the top of a task.
export function currentFrame() {
  return natives === null ? undefined : natives.getScope();
}

export function currentScope() {
  const frame = currentFrame();
  return frame instanceof AsyncFrame ? frame.scope : null;
}

// Runs fn() in `frame` (from currentFrame()), and restores the previous
// frame afterwards.
export function runInFrame(frame, fn) {
  const previous = natives.getScope();
  natives.setScope(frame);
  try {
    return fn();
  } finally {
    natives.setScope(previous);
  }
}

// Runs fn() with `scope` as the current scope (null: none), keeping the
// current AsyncLocalStorage values, and restores the previous frame after.
export function runInScope(scope, fn) {
  const previous = natives.getScope();
  const stores = previous instanceof AsyncFrame ? previous.stores : null;
  return runInFrame(new AsyncFrame(scope ?? null, stores), fn);
}

export class RequestScope {
  #cleanups = new Set();
  #waiting = 0;
  #responded = false;
  #closed = false;

  get closed() {
    return this.#closed;
  }

  // Registers fn() to run when the scope closes (a timer's cancellation);
  // returns a function that unregisters it. On a closed scope fn() runs
  // at once.
  onClose(fn) {
    if (this.#closed) {
      fn();
      return () => {};
    }
    this.#cleanups.add(fn);
    return () => this.#cleanups.delete(fn);
  }

  // ctx.waitUntil(): the scope stays open until `promise` settles.
  // A rejection is logged as workerd logs it.
  waitUntil(promise) {
    this.#waiting++;
    Promise.resolve(promise).then(
      () => this.#settled(),
      (error) => {
        natives.reportError('Uncaught (in promise) ', error);
        this.#settled();
      },
    );
  }

  // The response has been handed to the host (or the handler failed).
  responded() {
    this.#responded = true;
    this.#maybeClose();
  }

  #settled() {
    this.#waiting--;
    this.#maybeClose();
  }

  #maybeClose() {
    if (this.#closed || !this.#responded || this.#waiting > 0) return;
    this.#closed = true;
    const cleanups = [...this.#cleanups];
    this.#cleanups.clear();
    for (const fn of cleanups) fn();
  }
}
