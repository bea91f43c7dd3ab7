// node:crypto: random values, hashes and HMACs on the host's OpenSSL
// natives (the same ones Web Crypto uses), timingSafeEqual, and Web Crypto
// itself. The rest of Node's crypto API throws an error naming it.

import { getBuffer } from './buffer.js';
import { moduleExports } from './module_table.js';

let natives = null;

const kHashes = new Map([
  ['md5', 'MD5'], ['sha1', 'SHA-1'], ['sha256', 'SHA-256'],
  ['sha384', 'SHA-384'], ['sha512', 'SHA-512'],
]);

function hashFor(algorithm) {
  const name = kHashes.get(String(algorithm).toLowerCase().replace(/-/g, ''));
  if (name === undefined) throw new Error('Digest method not supported');
  return name;
}

function invalidArgType(name, expected, value) {
  const error = new TypeError(
    `The "${name}" argument must be ${expected}. Received ` +
      (value === null || value === undefined ? String(value)
        : `type ${typeof value}`));
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

function toBytes(data, encoding, name) {
  if (typeof data === 'string') {
    return getBuffer().from(data, encoding ?? 'utf8');
  }
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArgType(name,
    'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

function concat(chunks) {
  const Buffer = getBuffer();
  return Buffer.concat(chunks.map((c) =>
    Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

function output(bytes, encoding) {
  const buffer = getBuffer().from(bytes.buffer, bytes.byteOffset,
    bytes.byteLength);
  return encoding === undefined || encoding === 'buffer' ? buffer
    : buffer.toString(encoding);
}

function alreadyFinalized() {
  const error = new Error('Digest already called');
  error.code = 'ERR_CRYPTO_HASH_FINALIZED';
  return error;
}

// Node's Hash and Hmac are incremental; OpenSSL here is one-shot, so the
// input is kept until digest().
export class Hash {
  #hash;
  #chunks = [];
  #done = false;

  constructor(algorithm) {
    this.#hash = hashFor(algorithm);
  }

  update(data, encoding = undefined) {
    if (this.#done) throw alreadyFinalized();
    this.#chunks.push(toBytes(data, encoding, 'data'));
    return this;
  }

  digest(encoding = undefined) {
    if (this.#done) throw alreadyFinalized();
    this.#done = true;
    return output(natives.cryptoDigest(this.#hash, concat(this.#chunks)),
      encoding);
  }

  copy() {
    if (this.#done) throw alreadyFinalized();
    const copy = new Hash(this.#hash);
    for (const chunk of this.#chunks) copy.update(chunk);
    return copy;
  }
}

export class Hmac {
  #hash;
  #key;
  #chunks = [];
  #done = false;

  constructor(algorithm, key) {
    this.#hash = hashFor(algorithm);
    this.#key = toBytes(key, undefined, 'key');
  }

  update(data, encoding = undefined) {
    if (this.#done) throw alreadyFinalized();
    this.#chunks.push(toBytes(data, encoding, 'data'));
    return this;
  }

  digest(encoding = undefined) {
    if (this.#done) throw alreadyFinalized();
    this.#done = true;
    return output(natives.cryptoHmac(this.#hash, this.#key,
      concat(this.#chunks)), encoding);
  }
}

function randomFillSync(buffer, offset = 0, size = undefined) {
  const bytes = toBytes(buffer, undefined, 'buf');
  const end = size === undefined ? bytes.length : offset + size;
  natives.cryptoRandomFill(bytes.subarray(offset, end));
  return buffer;
}

function checkSize(size) {
  if (typeof size !== 'number') throw invalidArgType('size', 'of type number', size);
  if (!(size >= 0 && size <= 2 ** 31 - 1) || !Number.isInteger(size)) {
    const error = new RangeError(
      'The value of "size" is out of range. It must be >= 0 && <= ' +
        `2147483647. Received ${size}`);
    error.code = 'ERR_OUT_OF_RANGE';
    throw error;
  }
}

function randomBytes(size, callback = undefined) {
  checkSize(size);
  const buffer = getBuffer().alloc(size);
  randomFillSync(buffer);
  if (typeof callback === 'function') {
    queueMicrotask(() => callback(null, buffer));
    return undefined;
  }
  return buffer;
}

function randomFill(buffer, ...args) {
  const callback = args.pop();
  randomFillSync(buffer, ...args);
  queueMicrotask(() => callback(null, buffer));
}

function randomInt(min, max = undefined, callback = undefined) {
  if (typeof max === 'function' || max === undefined) {
    callback = max;
    max = min;
    min = 0;
  }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) {
    const error = new RangeError(
      `The value of "max" is out of range. It must be greater than the ` +
        `value of "min" (${min}). Received ${max}`);
    error.code = 'ERR_OUT_OF_RANGE';
    throw error;
  }
  // Rejection sampling over 48 random bits keeps the result unbiased.
  const range = max - min;
  const limit = 2 ** 48 - (2 ** 48 % range);
  let value;
  do {
    const bytes = new Uint8Array(6);
    natives.cryptoRandomFill(bytes);
    value = bytes.reduce((acc, b) => acc * 256 + b, 0);
  } while (value >= limit);
  const result = min + (value % range);
  if (typeof callback === 'function') {
    queueMicrotask(() => callback(null, result));
    return undefined;
  }
  return result;
}

function timingSafeEqual(a, b) {
  const x = toBytes(a, undefined, 'buf1');
  const y = toBytes(b, undefined, 'buf2');
  if (x.byteLength !== y.byteLength) {
    // workerd's message and type (Node throws a RangeError).
    throw new TypeError('Input buffers must have the same byte length.');
  }
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

function notSupported(name) {
  return () => {
    // TODO(conform): the rest of node:crypto (ciphers, key objects, sign
    // and verify, pbkdf2/scrypt/hkdf, Diffie-Hellman); throws instead.
    throw new Error(`crypto.${name}() is not supported by dohost`);
  };
}

export function cryptoModule(hostNatives) {
  natives = hostNatives;
  const unsupported = {};
  for (const name of ['createCipheriv', 'createDecipheriv', 'createSign',
    'createVerify', 'sign', 'verify', 'pbkdf2', 'pbkdf2Sync', 'scrypt',
    'scryptSync', 'hkdf', 'hkdfSync', 'generateKeyPair', 'generateKeyPairSync',
    'generateKey', 'generateKeySync', 'createPrivateKey', 'createPublicKey',
    'createSecretKey', 'createDiffieHellman', 'createECDH', 'publicEncrypt',
    'privateDecrypt', 'privateEncrypt', 'publicDecrypt', 'generatePrime',
    'generatePrimeSync', 'checkPrime', 'checkPrimeSync']) {
    unsupported[name] = notSupported(name);
  }
  return moduleExports({
    ...unsupported,
    Hash,
    Hmac,
    createHash: (algorithm) => new Hash(algorithm),
    createHmac: (algorithm, key) => new Hmac(algorithm, key),
    hash: (algorithm, data, encoding = 'hex') =>
      new Hash(algorithm).update(data).digest(encoding),
    getHashes: () => [...kHashes.keys()],
    getCiphers: () => [],
    getCurves: () => [],
    getRandomValues: (array) => crypto.getRandomValues(array),
    randomBytes,
    pseudoRandomBytes: randomBytes,
    randomFill,
    randomFillSync,
    randomInt,
    randomUUID: () => crypto.randomUUID(),
    timingSafeEqual,
    getFips: () => 0,
    subtle: crypto.subtle,
    webcrypto: crypto,
    CryptoKey: globalThis.CryptoKey,
    constants: {},
  });
}
