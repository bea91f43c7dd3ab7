// Durable Object stubs and the state object (`ctx`) an instance receives.
// Stubs and their calls are rpc.js's. Namespaces and IDs
// live in namespace.js and durable_object_id.js.

import { DurableObjectId } from './durable_object_id.js';
import { Hibernation, initHibernation } from './hibernation.js';
import { attachCtxExports } from './ctx_exports.js';
import { makeDurableObjectStub } from './rpc.js';
import { initSql } from './sql.js';
import { initStorage, makeStorage } from './storage.js';

let natives;

export function initDurableObjects(hostNatives) {
  natives = hostNatives;
  initHibernation(hostNatives);
  initSql(hostNatives);
  initStorage(hostNatives);
}

// The object's constructor has returned: tells the host whether its class
// has an alarm() handler, which setAlarm() requires from now on.
export function instanceConstructed(storageHandle, instance) {
  natives.instanceConstructed(storageHandle, typeof instance.alarm === 'function');
}

export function makeStub(nsHandle, id) {
  return makeDurableObjectStub(nsHandle, id, DurableObjectId.hexOf(id));
}

export class DurableObjectState {
  #storage;
  #handle;
  #hibernation;
  // blockConcurrencyWhile() work the constructor started; null once the
  // instance is constructed.
  #constructorBlockers = [];

  constructor(id, storageHandle, className = '') {
    this.id = id;
    this.#hibernation = new Hibernation(className, DurableObjectId.hexOf(id),
      id.name);
    this.#handle = storageHandle;
    this.#storage = makeStorage(storageHandle, (fn) =>
      this.blockConcurrencyWhile(fn));
    attachCtxExports(this);
  }

  get storage() {
    return this.#storage;
  }

  waitUntil(promise) {}

  // The WebSocket hibernation API (hibernation.js).
  acceptWebSocket(ws, tags = undefined) {
    return this.#hibernation.acceptWebSocket(ws, tags);
  }

  getWebSockets(tag = undefined) {
    return this.#hibernation.getWebSockets(tag);
  }

  getTags(ws) {
    return this.#hibernation.getTags(ws);
  }

  setWebSocketAutoResponse(pair = undefined) {
    return this.#hibernation.setWebSocketAutoResponse(pair);
  }

  getWebSocketAutoResponse() {
    return this.#hibernation.getWebSocketAutoResponse();
  }

  getWebSocketAutoResponseTimestamp(ws) {
    return this.#hibernation.getWebSocketAutoResponseTimestamp(ws);
  }

  // TODO(conform): hibernatable event timeouts are not enforced; these
  // fail loudly instead.
  setHibernatableWebSocketEventTimeout() {
    throw new Error(
      'setHibernatableWebSocketEventTimeout() is not implemented in dohost.');
  }

  getHibernatableWebSocketEventTimeout() {
    throw new Error(
      'getHibernatableWebSocketEventTimeout() is not implemented in dohost.');
  }

  // Closes the object's input gate until callback() settles: no other event
  // starts meanwhile (the host queues them). The callback starts in a
  // microtask, as on workerd. If it fails, the object is reset: waiting
  // events fail with its error and the next event constructs it again.
  blockConcurrencyWhile(callback) {
    if (typeof callback !== 'function') {
      return Promise.reject(new TypeError(
        "Failed to execute 'blockConcurrencyWhile' on 'DurableObjectState': " +
          "parameter 1 is not of type 'function'."));
    }
    const handle = this.#handle;
    // The callback, and all it awaits, runs in a section of its own: its
    // I/O completions pass the gate, everyone else's wait (the host keeps
    // the object's scope as [handle, section]).
    const current = natives.getScope();
    const parent = Array.isArray(current) && current[0] === handle ? current[1] : 0;
    const section = natives.actorGateLock(handle, parent);
    const scope = [handle, section];
    const result = Promise.resolve().then(() => {
      const previous = natives.getScope();
      natives.setScope(scope);
      try {
        return callback();
      } finally {
        natives.setScope(previous);
      }
    });
    // Handled here, so that a failure the caller ignores is not reported
    // as an unhandled rejection: it resets the object instead.
    result.then(
      () => natives.actorGateUnlock(handle, section),
      (error) => {
        natives.actorReset(handle, error);
        natives.actorGateUnlock(handle, section);
      });
    if (this.#constructorBlockers) this.#constructorBlockers.push(result);
    return result;
  }

  // Settles once the constructor's blockConcurrencyWhile() work has; rejects
  // with the first failure.
  settled() {
    const blockers = this.#constructorBlockers;
    this.#constructorBlockers = null;
    return Promise.all(blockers);
  }
}
