// DurableObjectId: the identity of one Durable Object, as a namespace
// makes it (idFromName, newUniqueId, idFromString) and as `ctx.id` shows it.

export class DurableObjectId {
  #hex;
  #ns;

  constructor(ns, hex, name) {
    this.#ns = ns;
    this.#hex = hex;
    // Own enumerable properties, as workerd shows them.
    this.name = name;
    this.jurisdiction = undefined;
  }

  toString() {
    return this.#hex;
  }

  toJSON() {
    return this.#hex;
  }

  equals(other) {
    return other instanceof DurableObjectId && other.#hex === this.#hex;
  }

  static hexOf(id) {
    return id.#hex;
  }
}
