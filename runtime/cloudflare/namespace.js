// DurableObjectNamespace: the `env` binding of a Durable Object class. IDs
// are made and checked by the host (natives.ns*); stubs come from
// durable_objects.js.

import { DurableObjectId } from './durable_object_id.js';
import { makeStub } from './durable_objects.js';

let natives;

export function initNamespaces(hostNatives) {
  natives = hostNatives;
}

export class DurableObjectNamespace {
  #handle;

  constructor(handle) {
    this.#handle = handle;
  }

  idFromName(name) {
    name = String(name);
    return new DurableObjectId(this, natives.nsIdFromName(this.#handle, name), name);
  }

  newUniqueId(options) {
    return new DurableObjectId(this, natives.nsNewUniqueId(this.#handle), undefined);
  }

  idFromString(hex) {
    return new DurableObjectId(
      this, natives.nsParseId(this.#handle, String(hex)), undefined);
  }

  get(id, options) {
    if (!(id instanceof DurableObjectId)) {
      throw new TypeError(
        "Failed to execute 'get' on 'DurableObjectNamespace': parameter 1 " +
          "is not of type 'DurableObjectId'.");
    }
    return makeStub(this.#handle, id);
  }

  getByName(name, options) {
    return this.get(this.idFromName(name), options);
  }
}
