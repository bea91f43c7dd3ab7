// ArrayBuffer.prototype.transfer, transferToFixedLength and detached
// (ES2024), which V8 10.2 lacks. Detaching uses the host's structured
// clone with a transfer list, the only way plain JavaScript has to detach
// a buffer. Resizable buffers need the engine and are not provided.

const byteLengthOf = Object.getOwnPropertyDescriptor(
  ArrayBuffer.prototype, 'byteLength').get;

function requireArrayBuffer(value, method) {
  try {
    byteLengthOf.call(value);
  } catch {
    throw new TypeError(
      `Method ArrayBuffer.prototype.${method} called on incompatible ` +
        `receiver ${describe(value)}`);
  }
}

function describe(value) {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return `#<${value.constructor?.name ?? 'Object'}>`;
}

function isDetached(buffer) {
  if (byteLengthOf.call(buffer) !== 0) return false;
  try {
    new Uint8Array(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

// ToIndex, with V8's message.
function toIndex(value) {
  const number = Number(value);
  const integer = Number.isNaN(number) ? 0 : Math.trunc(number);
  if (integer < 0 || integer > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`Invalid array buffer length`);
  }
  return integer;
}

function makeTransfer(name, natives) {
  const methods = {
    [name](newLength = undefined) {
      requireArrayBuffer(this, name);
      const length = newLength === undefined ? byteLengthOf.call(this)
        : toIndex(newLength);
      if (isDetached(this)) {
        throw new TypeError(
          `Cannot perform ArrayBuffer.prototype.${name} on a detached ` +
            'ArrayBuffer');
      }
      const copy = new ArrayBuffer(length);
      const count = Math.min(length, byteLengthOf.call(this));
      new Uint8Array(copy).set(new Uint8Array(this, 0, count));
      natives.structuredClone(this, [this]);
      return copy;
    },
  };
  return methods[name];
}

export function installArrayBufferTransfer(natives) {
  const proto = ArrayBuffer.prototype;
  for (const name of ['transfer', 'transferToFixedLength']) {
    if (name in proto) continue;
    Object.defineProperty(proto, name, {
      value: makeTransfer(name, natives),
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }
  if (!('detached' in proto)) {
    Object.defineProperty(proto, 'detached', {
      get: {
        get detached() {
          requireArrayBuffer(this, 'detached');
          return isDetached(this);
        },
      }.__lookupGetter__('detached'),
      enumerable: false,
      configurable: true,
    });
  }
}
