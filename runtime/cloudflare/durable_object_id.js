// DurableObjectId: the identity of one Durable Object, as a namespace
// makes it (idFromName, newUniqueId, idFromString) and as `ctx.id` shows it.
// Shaped as workerd's: `name` and `jurisdiction` are read-only own
// properties, toString() and equals() sit on the prototype, no toJSON().

const kToken = Symbol('DurableObjectId');

// Set by the class's static block: the class body never names the class,
// so the bundler keeps its name (`id.constructor.name`).
let isId;
let hexOf;
let jurisdictionOf;

export class DurableObjectId {
  #hex;
  #jurisdiction;

  constructor(token, hex, name, jurisdiction) {
    if (token !== kToken) throw new TypeError('Illegal constructor');
    this.#hex = hex;
    this.#jurisdiction = jurisdiction;
    // workerd defines them in this order, so Object.keys() lists
    // jurisdiction first.
    readonly(this, 'jurisdiction', jurisdiction);
    readonly(this, 'name', name);
  }

  toString() {
    return this.#hex;
  }

  equals(other) {
    if (!isId(other)) {
      throw new TypeError(
        "Failed to execute 'equals' on 'DurableObjectId': parameter 1 is " +
          "not of type 'DurableObjectId'.");
    }
    return other.#hex === this.#hex;
  }

  static {
    isId = (value) =>
      value !== null && typeof value === 'object' && #hex in value;
    hexOf = (id) => id.#hex;
    jurisdictionOf = (id) => id.#jurisdiction ?? '';
  }

  static isId(value) {
    return isId(value);
  }

  static hexOf(id) {
    return hexOf(id);
  }

  // The jurisdiction the ID was made in ("" for none), whatever its
  // (configurable) `jurisdiction` property says now.
  static jurisdictionOf(id) {
    return jurisdictionOf(id);
  }
}

Object.defineProperty(DurableObjectId.prototype, Symbol.toStringTag, {
  value: 'DurableObjectId',
  configurable: true,
});

function readonly(object, key, value) {
  Object.defineProperty(object, key, {
    value,
    writable: false,
    enumerable: true,
    configurable: true,
  });
}

// `jurisdiction` is "" or undefined for an ID outside any jurisdiction.
export function makeId(hex, name, jurisdiction) {
  return new DurableObjectId(kToken, hex, name, jurisdiction || undefined);
}
