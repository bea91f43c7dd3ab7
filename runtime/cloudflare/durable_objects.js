// Durable Object stubs and the state object (`ctx`) an instance receives.
// Calls travel as host messages (natives.stubCall). Namespaces and IDs
// live in namespace.js and durable_object_id.js.

import { SqlStorage } from './sql.js';
import { DurableObjectId } from './durable_object_id.js';

let natives;

export function initDurableObjects(hostNatives) {
  natives = hostNatives;
}

// Methods of a stub that are not RPC calls.
const kStubOwn = new Set(['id', 'name', 'fetch', 'connect', 'then']);

export function makeStub(nsHandle, id) {
  const target = {
    id,
    name: id.name,
  };
  const hex = DurableObjectId.hexOf(id);
  target.fetch = (input, init) =>
    natives.stubFetch(nsHandle, hex, id.name, input, init);
  return new Proxy(target, {
    get(obj, prop) {
      if (typeof prop === 'symbol' || kStubOwn.has(prop)) {
        if (prop === 'fetch') return obj.fetch;
        return obj[prop];
      }
      return (...args) => natives.stubCall(nsHandle, hex, id.name, prop, args);
    },
    ownKeys() {
      return ['id', 'name'];
    },
    getOwnPropertyDescriptor(obj, prop) {
      if (prop === 'id' || prop === 'name') {
        return { value: obj[prop], enumerable: true, configurable: true };
      }
      return undefined;
    },
  });
}

export class DurableObjectStorage {
  #sql;

  constructor(handle) {
    this.#sql = new SqlStorage(natives, handle);
  }

  get sql() {
    return this.#sql;
  }
}

export class DurableObjectState {
  #storage;
  #handle;
  // blockConcurrencyWhile() work the constructor started; null once the
  // instance is constructed.
  #constructorBlockers = [];

  constructor(id, storageHandle) {
    this.id = id;
    this.#handle = storageHandle;
    this.#storage = new DurableObjectStorage(storageHandle);
  }

  get storage() {
    return this.#storage;
  }

  waitUntil(promise) {}

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
    natives.actorGateLock(handle);
    const result = Promise.resolve().then(() => callback());
    // Handled here, so that a failure the caller ignores is not reported
    // as an unhandled rejection: it resets the object instead.
    result.then(
      () => natives.actorGateUnlock(handle),
      (error) => {
        natives.actorReset(handle, error);
        natives.actorGateUnlock(handle);
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
