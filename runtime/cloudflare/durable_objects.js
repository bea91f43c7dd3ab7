// Durable Object stubs and the state object (`ctx`) an instance receives.
// Stubs and their calls are rpc.js's. Namespaces and IDs
// live in namespace.js and durable_object_id.js.

import { SqlStorage } from './sql.js';
import { DurableObjectId } from './durable_object_id.js';
import { makeDurableObjectStub } from './rpc.js';

let natives;

export function initDurableObjects(hostNatives) {
  natives = hostNatives;
}

export function makeStub(nsHandle, id) {
  return makeDurableObjectStub(nsHandle, id, DurableObjectId.hexOf(id));
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
