// The argument checks and conversions that workerd's binding layer (jsg)
// applies before a Web API method runs, with jsg's error messages, so the
// classes in this folder fail the way workerd's C++ classes do.

const kIllegalInvocation =
  'Illegal invocation: function called with incorrect `this` reference. ' +
  'See https://developers.cloudflare.com/workers/observability/errors/' +
  '#illegal-invocation-errors for details.';

export function illegalInvocation() {
  return new TypeError(kIllegalInvocation);
}

// A constructor called without `new`.
export function requireNew(newTarget, iface) {
  if (newTarget === undefined) {
    throw new TypeError(
      `Failed to construct '${iface}': Please use the 'new' operator, ` +
        'this object constructor cannot be called as a function.',
    );
  }
}

// A required argument that was not passed at all; jsg counts arguments, so
// an explicit `undefined` is converted like any other value.
export function requireArgs(args, count, method, iface, types) {
  if (args.length >= count) return;
  const index = args.length;
  throw new TypeError(
    `Failed to execute '${method}' on '${iface}': parameter ${index + 1} ` +
      `is not of type '${types[index]}'.`,
  );
}

export function wrongConstructorArg(iface, index, type) {
  return new TypeError(
    `Failed to construct '${iface}': constructor parameter ${index} is not ` +
      `of type '${type}'.`,
  );
}

// String conversion as `${value}` does it: symbols throw V8's own
// "Cannot convert a Symbol value to a string", as they do on workerd.
export function toDOMString(value) {
  return `${value}`;
}

const kLoneSurrogate =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// WebIDL USVString: lone surrogates become U+FFFD.
export function toUSVString(value) {
  const string = `${value}`;
  return string.replace(kLoneSurrogate, '\ufffd');
}

// workerd turns some strings into UTF-8 bytes and back (header values,
// statusText). A lone surrogate is then three bytes that decode to three
// U+FFFD, unlike the single U+FFFD of a USVString.
export function roundTripUtf8(string) {
  return string.replace(kLoneSurrogate, '\ufffd\ufffd\ufffd');
}

export function hasLoneSurrogate(string) {
  kLoneSurrogate.lastIndex = 0;
  const found = kLoneSurrogate.test(string);
  kLoneSurrogate.lastIndex = 0;
  return found;
}

// jsg's conversion to a 32-bit integer (Response status): fractions are
// cut, NaN and the infinities are 0, other numbers past int32 a TypeError.
export function toInt32(value) {
  const number = Number(value);
  if (!Number.isFinite(number)) return 0;
  if (number < -2147483648 || number > 2147483647) {
    throw new TypeError(
      'Value out of range. Must be between -2147483648 and 2147483647 ' +
        '(inclusive).',
    );
  }
  return Math.trunc(number);
}

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
).get;
const arrayBufferByteLength = Object.getOwnPropertyDescriptor(
  ArrayBuffer.prototype,
  'byteLength',
).get;
const sharedByteLength = Object.getOwnPropertyDescriptor(
  SharedArrayBuffer.prototype,
  'byteLength',
).get;

// Brand checks that a look-alike object cannot pass.
export function isArrayBuffer(value) {
  try {
    arrayBufferByteLength.call(value);
    return true;
  } catch {
    return false;
  }
}

export function isSharedArrayBuffer(value) {
  try {
    sharedByteLength.call(value);
    return true;
  } catch {
    return false;
  }
}

export function isTypedArray(value) {
  return typedArrayTag.call(value) !== undefined;
}

export function typedArrayName(value) {
  return typedArrayTag.call(value);
}

export function isUint8Array(value) {
  return typedArrayTag.call(value) === 'Uint8Array';
}

export function isBufferSource(value) {
  return (
    ArrayBuffer.isView(value) ||
    isArrayBuffer(value) ||
    isSharedArrayBuffer(value)
  );
}

// The bytes of a BufferSource, as a view (no copy).
export function bufferSourceBytes(value) {
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return new Uint8Array(value);
}

// ===========================================================================
// Interface objects

// Gives a class the shape jsg gives an interface: prototype members
// enumerable, every method of length 0, and `constructor` listed last.
export function finishInterface(Class) {
  for (const target of [Class.prototype, Class]) {
    for (const key of Reflect.ownKeys(target)) {
      if (key === 'constructor' || (target === Class &&
          (key === 'prototype' || key === 'length' || key === 'name'))) {
        continue;
      }
      const descriptor = Reflect.getOwnPropertyDescriptor(target, key);
      if (typeof descriptor.value === 'function') {
        Object.defineProperty(descriptor.value, 'length', { value: 0 });
      }
      if (target === Class.prototype && typeof key === 'string') {
        descriptor.enumerable = true;
      }
      Object.defineProperty(target, key, descriptor);
    }
  }
  const constructor = Object.getOwnPropertyDescriptor(Class.prototype,
    'constructor');
  delete Class.prototype.constructor;
  Object.defineProperty(Class.prototype, 'constructor', constructor);
  Object.defineProperty(Class, 'length', { value: 0 });
}

// ===========================================================================
// Iterators

const IteratorPrototype = Object.getPrototypeOf(
  Object.getPrototypeOf([][Symbol.iterator]()),
);

// Builds an iterator class named like workerd's (EntryIterator,
// KeyIterator, ValueIterator), inheriting from %IteratorPrototype%.
function makeIteratorClass(name) {
  const Class = {
    [name]: class {
      #next;

      constructor(next) {
        this.#next = next;
      }

      next() {
        if (!(this instanceof Object) || !(#next in this)) {
          throw illegalInvocation();
        }
        return this.#next();
      }
    },
  }[name];
  Object.setPrototypeOf(Class.prototype, IteratorPrototype);
  Object.defineProperty(Class.prototype, Symbol.toStringTag, {
    value: name,
    configurable: true,
  });
  return Class;
}

export const EntryIterator = makeIteratorClass('EntryIterator');
export const KeyIterator = makeIteratorClass('KeyIterator');
export const ValueIterator = makeIteratorClass('ValueIterator');

// An iterator over getList(), read again at every step so that a live list
// (URLSearchParams) shows changes made while iterating.
export function listIterator(Class, getList, pick) {
  let index = 0;
  return new Class(() => {
    const list = getList();
    if (index >= list.length) return { done: true, value: undefined };
    return { done: false, value: pick(list[index++]) };
  });
}
