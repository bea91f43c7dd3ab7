// Node's deep equality (assert.deepStrictEqual, assert.deepEqual,
// util.isDeepStrictEqual): same structure, same own enumerable keys,
// Map and Set contents, Dates, RegExps, boxed primitives and typed arrays
// by value; strict mode also compares prototypes and uses Object.is.

const toString = (v) => Object.prototype.toString.call(v);

function ownKeys(value) {
  return Reflect.ownKeys(value).filter((key) =>
    Object.prototype.propertyIsEnumerable.call(value, key));
}

function primitiveEqual(a, b, strict) {
  // eslint-disable-next-line eqeqeq
  return strict ? Object.is(a, b) : (a == b || (a !== a && b !== b));
}

function equal(a, b, strict, seen) {
  if (a === b) return a !== 0 || !strict || Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null ||
      b === null) {
    if (typeof a === 'object' && a !== null) return false;
    if (typeof b === 'object' && b !== null) return false;
    return primitiveEqual(a, b, strict);
  }
  const tag = toString(a);
  if (tag !== toString(b)) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (tag === '[object Date]' && a.getTime() !== b.getTime()) {
    if (!(Number.isNaN(a.getTime()) && Number.isNaN(b.getTime()))) return false;
  }
  if (tag === '[object RegExp]' &&
      (a.source !== b.source || a.flags !== b.flags ||
        a.lastIndex !== b.lastIndex)) {
    return false;
  }
  if (a instanceof Error && (a.message !== b.message || a.name !== b.name)) {
    return false;
  }
  if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (!strict && !(a instanceof DataView) && a.length === b.length &&
        a.constructor !== b.constructor) {
      for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
    } else {
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    }
  }
  for (const method of ['valueOf']) {
    if (['[object Number]', '[object String]', '[object Boolean]',
      '[object BigInt]', '[object Symbol]'].includes(tag)) {
      if (!Object.is(a[method](), b[method]())) return false;
    }
  }

  // Cycles: a pair already being compared counts as equal.
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  try {
    const keysA = ownKeys(a);
    const keysB = ownKeys(b);
    if (keysA.length !== keysB.length) return false;
    for (const key of keysA) {
      if (!Object.prototype.propertyIsEnumerable.call(b, key)) return false;
      if (!equal(a[key], b[key], strict, seen)) return false;
    }
    if (tag === '[object Map]') return mapEqual(a, b, strict, seen);
    if (tag === '[object Set]') return setEqual(a, b, strict, seen);
    return true;
  } finally {
    seen.delete(a);
  }
}

function mapEqual(a, b, strict, seen) {
  if (a.size !== b.size) return false;
  const rest = [...b];
  for (const [key, value] of a) {
    if (b.has(key) && equal(value, b.get(key), strict, seen)) {
      const i = rest.findIndex(([k]) => Object.is(k, key));
      if (i >= 0) rest.splice(i, 1);
      continue;
    }
    const i = rest.findIndex(([k, v]) =>
      equal(key, k, strict, seen) && equal(value, v, strict, seen));
    if (i < 0) return false;
    rest.splice(i, 1);
  }
  return true;
}

function setEqual(a, b, strict, seen) {
  if (a.size !== b.size) return false;
  const rest = [...b];
  for (const value of a) {
    let i = rest.findIndex((v) => Object.is(v, value));
    if (i < 0) i = rest.findIndex((v) => equal(value, v, strict, seen));
    if (i < 0) return false;
    rest.splice(i, 1);
  }
  return true;
}

export function isDeepStrictEqual(a, b) {
  return equal(a, b, true, new Map());
}

export function isDeepEqual(a, b) {
  return equal(a, b, false, new Map());
}
