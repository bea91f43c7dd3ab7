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
  #blockers = [];

  constructor(id, storageHandle) {
    this.id = id;
    this.#storage = new DurableObjectStorage(storageHandle);
  }

  get storage() {
    return this.#storage;
  }

  waitUntil(promise) {}

  // TODO(conform): other events are not yet held back while fn runs; the
  // constructor's own callers do wait for it. #3
  blockConcurrencyWhile(fn) {
    const result = Promise.resolve().then(fn);
    this.#blockers.push(result.catch(() => {}));
    return result;
  }

  settled() {
    return Promise.all(this.#blockers);
  }
}
