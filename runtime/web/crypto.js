// crypto, Crypto, SubtleCrypto and CryptoKey, with workerd's argument
// checks, key shapes and error messages (DOMException names). The
// cryptography itself runs in OpenSSL (natives.crypto*, src/api/crypto.cpp).
//
// Supported: digest (SHA-1/256/384/512, MD5), HMAC, AES-GCM, PBKDF2, HKDF,
// ECDSA (P-256/384/521) and Ed25519; raw, jwk, spki and pkcs8 where they
// apply. Other algorithms workerd knows (RSA, AES-CBC/CTR/KW, ECDH, X25519)
// and wrapKey/unwrapKey reject with a NotSupportedError naming dohost.

import { DOMException } from './dom_exception.js';
import { inspectByGetters } from './inspect_hook.js';
import { requireHandlerScope } from './scope.js';
import { WritableStream } from './streams.js';
import {
  bufferSourceBytes,
  finishInterface,
  illegalInvocation,
  isBufferSource,
  typedArrayName,
} from './webidl.js';

let natives = null;

export function initCrypto(hostNatives) {
  natives = hostNatives;
}

const kConstruct = Symbol('construct');

function domError(name, message) {
  return new DOMException(message, name);
}

// ===========================================================================
// Algorithm names

const kDigests = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'MD5'];
const kSupported = ['HMAC', 'AES-GCM', 'PBKDF2', 'HKDF', 'ECDSA', 'Ed25519'];
const kNotInDohost = ['RSASSA-PKCS1-V1_5', 'RSA-PSS', 'RSA-OAEP', 'AES-CBC',
  'AES-CTR', 'AES-KW', 'ECDH', 'X25519', 'NODE-ED25519'];
const kCurves = ['P-256', 'P-384', 'P-521'];
const kBlockBits = { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024,
  'SHA-512': 1024, 'MD5': 512 };

function canonical(name, list) {
  const upper = `${name}`.toUpperCase();
  return list.find((known) => known.toUpperCase() === upper);
}

function algorithmObject(algorithm) {
  if (typeof algorithm === 'string') return { name: algorithm };
  if (algorithm === null || typeof algorithm !== 'object') {
    throw new TypeError('Algorithm must be a string or an object.');
  }
  if (algorithm.name === undefined) {
    throw new TypeError('Missing field "name" in "algorithm".');
  }
  return algorithm;
}

function requireField(algorithm, name) {
  if (algorithm[name] === undefined) {
    throw new TypeError(`Missing field "${name}" in "algorithm".`);
  }
  return algorithm[name];
}

function hashName(hash) {
  const name = typeof hash === 'string' ? hash : hash?.name;
  const found = name === undefined ? undefined : canonical(name, kDigests);
  if (found === undefined) {
    throw domError('NotSupportedError',
      'Unrecognized or unimplemented digest algorithm requested.');
  }
  return found;
}

// The algorithm name for an operation; unknown names give workerd's
// NotSupportedError, known ones dohost lacks say so.
function algorithmName(algorithm, what) {
  const name = `${algorithmObject(algorithm).name}`;
  const found = canonical(name, kSupported);
  if (found !== undefined) return found;
  if (canonical(name, kNotInDohost) !== undefined) {
    throw domError('NotSupportedError',
      `The ${name} algorithm is not implemented in dohost.`);
  }
  throw domError('NotSupportedError',
    `Unrecognized ${what} algorithm "${name}" requested.`);
}

function bytesArgument(value, method, index) {
  if (!isBufferSource(value)) {
    throw new TypeError(
      `Failed to execute '${method}' on 'SubtleCrypto': parameter ${index} ` +
        "is not of type 'BufferSource'.",
    );
  }
  return bufferSourceBytes(value).slice();
}

function toArrayBuffer(bytes) {
  return bytes.buffer.byteLength === bytes.length ? bytes.buffer :
    bytes.slice().buffer;
}

// base64url without padding, as JWK uses.
function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_')
    .replace(/=+$/, '');
}

function fromBase64url(text, what) {
  try {
    const padded = `${text}`.replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  } catch {
    throw domError('DataError',
      `Invalid base64url encoding in JSON Web Key field "${what}".`);
  }
}

// ===========================================================================
// CryptoKey

let keyData;

export class CryptoKey {
  #data;

  constructor(token, fields) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    this.#data = fields.data;
    const define = (key, value) => Object.defineProperty(this, key, {
      value, enumerable: true, configurable: false, writable: false,
    });
    define('usages', fields.usages);
    define('algorithm', fields.algorithm);
    define('extractable', fields.extractable);
    define('type', fields.type);
  }

  static {
    keyData = (key) => key.#data;
  }
}

Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, {
  value: 'CryptoKey',
  configurable: true,
});
finishInterface(CryptoKey);

function isKey(value) {
  try {
    keyData(value);
    return true;
  } catch {
    return false;
  }
}

function newKey(type, extractable, algorithm, usages, data) {
  return new CryptoKey(kConstruct,
    { type, extractable: Boolean(extractable), algorithm, usages, data });
}

const kUsageOrder = ['encrypt', 'decrypt', 'sign', 'verify', 'deriveKey',
  'deriveBits', 'wrapKey', 'unwrapKey'];

function checkUsages(usages, allowed, describe) {
  if (usages === null || typeof usages !== 'object' ||
      typeof usages[Symbol.iterator] !== 'function') {
    throw new TypeError('Key usages must be a sequence of strings.');
  }
  const list = [...usages].map((usage) => `${usage}`);
  for (const usage of list) {
    if (!allowed.includes(usage)) {
      throw domError('SyntaxError',
        `Attempt to ${describe} with invalid usage "${usage}".`);
    }
  }
  return kUsageOrder.filter((usage) => list.includes(usage));
}

function requireUsage(key, usage, name) {
  if (!isKey(key)) {
    throw new TypeError(
      "Failed to execute on 'SubtleCrypto': parameter is not of type " +
        "'CryptoKey'.");
  }
  if (key.algorithm.name !== name) {
    throw domError('InvalidAccessError',
      `Requested algorithm "${name}" does not match this CryptoKey's ` +
        `algorithm "${key.algorithm.name}".`);
  }
  if (!key.usages.includes(usage)) {
    throw domError('InvalidAccessError',
      `Requested key usage "${usage}" does not match any usage listed in ` +
        'this CryptoKey.');
  }
}

// ===========================================================================
// Import

function importSecret(format, keyDataArg, name) {
  if (format === 'raw') return bytesArgument(keyDataArg, 'importKey', 2);
  if (format === 'jwk') {
    if (keyDataArg === null || typeof keyDataArg !== 'object') {
      throw new TypeError(
        "Failed to execute 'importKey' on 'SubtleCrypto': parameter 2 is " +
          "not of type 'JsonWebKey'.");
    }
    if (keyDataArg.kty !== 'oct') {
      throw domError('DataError',
        `${name} "jwk" key import requires a JSON Web Key with Key Type ` +
          'parameter "kty" equal to "oct" (encountered "' +
          `${keyDataArg.kty}").`);
    }
    if (keyDataArg.k === undefined) {
      throw domError('DataError',
        `${name} "jwk" key import requires a base64Url encoding of the key.`);
    }
    return fromBase64url(keyDataArg.k, 'k');
  }
  throw domError('NotSupportedError',
    `Unrecognized key import format "${format}".`);
}

function importHmac(format, data, algorithm, extractable, usages) {
  const hash = hashName(requireField(algorithm, 'hash'));
  const list = checkUsages(usages, ['sign', 'verify'],
    'import secret HMAC key');
  const bytes = importSecret(format, data, 'HMAC');
  const length = algorithm.length === undefined ? bytes.length * 8 :
    Number(algorithm.length);
  if (length === 0 || length > bytes.length * 8 ||
      length <= bytes.length * 8 - 8) {
    throw domError('DataError',
      `Imported HMAC key length (${length}) must be a non-zero value up to ` +
        '7 bits less than, and no greater than, the bit length of the raw ' +
        `key data (${bytes.length * 8}).`);
  }
  return newKey('secret', extractable,
    { name: 'HMAC', hash: { name: hash }, length }, list, bytes);
}

function importAes(format, data, extractable, usages) {
  const list = checkUsages(usages,
    ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
    'import secret AES-GCM key');
  const bytes = importSecret(format, data, 'AES-GCM');
  if (![16, 24, 32].includes(bytes.length)) {
    throw domError('DataError',
      'Imported AES key length must be 128, 192, or 256 bits but provided ' +
        `${bytes.length * 8}.`);
  }
  return newKey('secret', extractable,
    { name: 'AES-GCM', length: bytes.length * 8 }, list, bytes);
}

function importKdf(name, format, data, extractable, usages) {
  if (format !== 'raw') {
    throw domError('NotSupportedError',
      `${name} keys can only be imported in "raw" format.`);
  }
  const list = checkUsages(usages, ['deriveKey', 'deriveBits'],
    `import secret ${name} key`);
  if (extractable) {
    throw domError('SyntaxError', `${name} key cannot be extractable.`);
  }
  return newKey('secret', false, { name },
    list, bytesArgument(data, 'importKey', 2));
}

function importAsymmetric(name, format, data, algorithm, extractable,
  usages) {
  const ec = name === 'ECDSA';
  let curve = 'Ed25519';
  if (ec) {
    const requested = `${requireField(algorithm, 'namedCurve')}`;
    curve = kCurves.find((c) => c === requested);
    if (curve === undefined) {
      throw domError('NotSupportedError',
        `Unrecognized or unimplemented EC curve "${requested}" requested.`);
    }
  }
  let imported;
  if (format === 'jwk') {
    if (data === null || typeof data !== 'object') {
      throw new TypeError(
        "Failed to execute 'importKey' on 'SubtleCrypto': parameter 2 is " +
          "not of type 'JsonWebKey'.");
    }
    const kty = ec ? 'EC' : 'OKP';
    if (data.kty !== kty) {
      throw domError('DataError',
        `${name} "jwk" key import requires a JSON Web Key with Key Type ` +
          `parameter "kty" equal to "${kty}" (encountered "${data.kty}").`);
    }
    if (data.crv !== curve) {
      throw domError('DataError',
        `JSON Web Key curve "${data.crv}" does not match the requested ` +
          `curve "${curve}".`);
    }
    const fields = {
      x: fromBase64url(data.x ?? '', 'x'),
      y: ec ? fromBase64url(data.y ?? '', 'y') : new Uint8Array(0),
      d: data.d === undefined ? new Uint8Array(0) : fromBase64url(data.d, 'd'),
    };
    imported = natives.cryptoImport(ec ? 'EC' : 'Ed25519', 'jwk', curve,
      fields);
  } else if (format === 'raw' || format === 'spki' || format === 'pkcs8') {
    const bytes = bytesArgument(data, 'importKey', 2);
    if (format === 'raw' && !ec && bytes.length !== 32) {
      throw domError('DataError',
        `Ed25519 raw keys must be exactly 32-bytes (provided ${bytes.length}).`);
    }
    imported = natives.cryptoImport(ec ? 'EC' : 'Ed25519', format, curve,
      bytes);
  } else {
    throw domError('NotSupportedError',
      `Unrecognized key import format "${format}".`);
  }
  if (typeof imported === 'string') throw domError('DataError', imported);
  if (ec && imported.curve !== curve) {
    throw domError('DataError',
      `The key's curve "${imported.curve}" does not match the requested ` +
        `curve "${curve}".`);
  }
  const type = imported.isPrivate ? 'private' : 'public';
  const list = checkUsages(usages, [imported.isPrivate ? 'sign' : 'verify'],
    `import ${type} ${name} key`);
  const keyAlgorithm = ec ? { name, namedCurve: curve } : { name };
  return newKey(type, extractable, keyAlgorithm, list,
    { der: imported.der, isPrivate: imported.isPrivate });
}

// ===========================================================================
// SubtleCrypto

function promised(fn) {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

function deriveBitsOf(algorithm, key, length) {
  const name = algorithmName(algorithm, 'key derivation');
  requireUsage(key, 'deriveBits', name);
  const hash = hashName(requireField(algorithm, 'hash'));
  const salt = bytesArgument(requireField(algorithm, 'salt'), 'deriveBits', 1);
  if (name === 'PBKDF2') {
    const iterations = Number(requireField(algorithm, 'iterations'));
    if (!(iterations > 0)) {
      throw domError('OperationError',
        `PBKDF2 requires a positive iteration count (requested ${iterations}).`);
    }
    if (length === null || length === undefined) {
      throw domError('OperationError',
        'PBKDF2 cannot derive a key with null length.');
    }
    if (length % 8 !== 0) {
      throw domError('OperationError',
        'PBKDF2 requires a derived key length that is a multiple of eight ' +
          `(requested ${length}).`);
    }
    return natives.cryptoPbkdf2(hash, keyData(key), salt, iterations,
      length / 8);
  }
  if (name === 'HKDF') {
    const info = bytesArgument(requireField(algorithm, 'info'), 'deriveBits',
      1);
    if (length === null || length === undefined) {
      throw domError('OperationError',
        'HKDF cannot derive a key with null length.');
    }
    if (length % 8 !== 0) {
      throw domError('OperationError',
        'HKDF requires a derived key length that is a multiple of eight ' +
          `(requested ${length}).`);
    }
    const out = natives.cryptoHkdf(hash, keyData(key), salt, info,
      length / 8);
    if (out === null) {
      throw domError('OperationError', 'HKDF derivation failed.');
    }
    return out;
  }
  throw domError('NotSupportedError',
    `The ${name} algorithm cannot derive bits.`);
}

function aesGcm(encrypt, algorithm, key, data) {
  const iv = bytesArgument(requireField(algorithm, 'iv'),
    encrypt ? 'encrypt' : 'decrypt', 1);
  const tagLength = algorithm.tagLength === undefined ? 128 :
    Number(algorithm.tagLength);
  if (![32, 64, 96, 104, 112, 120, 128].includes(tagLength)) {
    throw domError('OperationError', `Invalid AES-GCM tag length ${tagLength}.`);
  }
  const aad = algorithm.additionalData === undefined ? new Uint8Array(0) :
    bytesArgument(algorithm.additionalData, encrypt ? 'encrypt' : 'decrypt',
      1);
  if (iv.length === 0) {
    throw domError('OperationError', 'AES-GCM IV must not be empty.');
  }
  if (!encrypt && data.length * 8 < tagLength) {
    throw domError('OperationError',
      `Ciphertext length of ${data.length * 8} bits must be greater than or ` +
        'equal to the size of the AES-GCM tag length of ' +
        `${tagLength} bits.`);
  }
  const out = natives.cryptoAesGcm(encrypt, keyData(key), iv, data, aad,
    tagLength / 8);
  if (out === null) {
    const length = data.length - tagLength / 8;
    throw domError('OperationError',
      'Decryption failed. This could be due to a ciphertext authentication ' +
        'failure, bad padding, incorrect CryptoKey, or another ' +
        `algorithm-specific reason. Input length was ${length}, output ` +
        `length expected to be ${length} for AES-GCM`);
  }
  return toArrayBuffer(out);
}

function signatureHash(name, algorithm) {
  return name === 'ECDSA' ? hashName(requireField(algorithm, 'hash')) : '';
}

function exportOf(format, key) {
  if (!isKey(key)) {
    throw new TypeError(
      "Failed to execute 'exportKey' on 'SubtleCrypto': parameter 2 is not " +
        "of type 'CryptoKey'.");
  }
  const name = key.algorithm.name;
  if (!key.extractable) {
    throw domError('InvalidAccessError',
      `Attempt to export non-extractable ${name} key.`);
  }
  const data = keyData(key);
  if (key.type === 'secret') {
    if (format === 'raw') return toArrayBuffer(data.slice());
    if (format === 'jwk') {
      const alg = name === 'HMAC' ?
        `HS${key.algorithm.hash.name.replace('SHA-', '')}` :
        `A${key.algorithm.length}GCM`;
      return { kty: 'oct', key_ops: [...key.usages], alg, ext: true,
        k: base64url(data) };
    }
  } else {
    if (format === 'raw') {
      if (key.type !== 'public') {
        throw domError('InvalidAccessError',
          name === 'ECDSA' ?
            'Raw export of elliptic curve keys is only allowed for public ' +
              'keys.' :
            'Raw export of Ed25519 keys is only allowed for public keys.');
      }
      return toArrayBuffer(natives.cryptoExportRaw(data.der));
    }
    if (format === 'spki' || format === 'pkcs8') {
      if ((format === 'spki') !== (key.type === 'public')) {
        throw domError('InvalidAccessError',
          `Cannot export a ${key.type} key in "${format}" format.`);
      }
      return toArrayBuffer(data.der.slice());
    }
    if (format === 'jwk') {
      const fields = natives.cryptoExportJwk(data.der, data.isPrivate);
      const jwk = name === 'ECDSA' ?
        { kty: 'EC', crv: key.algorithm.namedCurve, x: base64url(fields.x),
          y: base64url(fields.y) } :
        { kty: 'OKP', crv: 'Ed25519', x: base64url(fields.x) };
      if (data.isPrivate) jwk.d = base64url(fields.d);
      if (name === 'Ed25519') jwk.alg = 'EdDSA';
      jwk.key_ops = [...key.usages];
      jwk.ext = true;
      return jwk;
    }
  }
  throw domError('NotSupportedError',
    `Unrecognized or unsupported export format "${format}".`);
}

function generateOf(algorithm, extractable, usages) {
  const name = algorithmName(algorithm, 'key generation');
  algorithm = algorithmObject(algorithm);
  if (name === 'HMAC') {
    const hash = hashName(requireField(algorithm, 'hash'));
    const list = checkUsages(usages, ['sign', 'verify'],
      'generate secret HMAC key');
    const length = algorithm.length === undefined ? kBlockBits[hash] :
      Number(algorithm.length);
    const bytes = new Uint8Array(Math.ceil(length / 8));
    natives.cryptoRandomFill(bytes);
    return newKey('secret', extractable, { name, hash: { name: hash }, length },
      list, bytes);
  }
  if (name === 'AES-GCM') {
    const length = Number(requireField(algorithm, 'length'));
    if (![128, 192, 256].includes(length)) {
      throw domError('OperationError',
        `Generated AES key length must be 128, 192, or 256 bits but ` +
          `requested ${length}.`);
    }
    const list = checkUsages(usages,
      ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey'],
      'generate secret AES-GCM key');
    const bytes = new Uint8Array(length / 8);
    natives.cryptoRandomFill(bytes);
    return newKey('secret', extractable, { name, length }, list, bytes);
  }
  if (name === 'ECDSA' || name === 'Ed25519') {
    let curve = 'Ed25519';
    if (name === 'ECDSA') {
      const requested = `${requireField(algorithm, 'namedCurve')}`;
      curve = kCurves.find((c) => c === requested);
      if (curve === undefined) {
        throw domError('NotSupportedError',
          `Unrecognized or unimplemented EC curve "${requested}" requested.`);
      }
    }
    const list = checkUsages(usages, ['sign', 'verify'],
      `generate ${name} key pair`);
    const pair = natives.cryptoGenerate(name === 'ECDSA' ? 'EC' : 'Ed25519',
      curve);
    const keyAlgorithm = name === 'ECDSA' ? { name, namedCurve: curve } :
      { name };
    return {
      publicKey: newKey('public', true, keyAlgorithm,
        list.filter((u) => u === 'verify'), { der: pair.spki, isPrivate: false }),
      privateKey: newKey('private', extractable, { ...keyAlgorithm },
        list.filter((u) => u === 'sign'), { der: pair.pkcs8, isPrivate: true }),
    };
  }
  throw domError('NotSupportedError',
    `Unrecognized key generation algorithm "${name}" requested.`);
}

function importOf(format, data, algorithm, extractable, usages) {
  format = `${format}`;
  const name = algorithmName(algorithm, 'key import');
  algorithm = algorithmObject(algorithm);
  switch (name) {
    case 'HMAC':
      return importHmac(format, data, algorithm, extractable, usages);
    case 'AES-GCM':
      return importAes(format, data, extractable, usages);
    case 'PBKDF2':
    case 'HKDF':
      return importKdf(name, format, data, extractable, usages);
    default:
      return importAsymmetric(name, format, data, algorithm, extractable,
        usages);
  }
}

export class SubtleCrypto {
  constructor(token) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
  }

  encrypt(algorithm, key, data) {
    return promised(() => {
      const name = algorithmName(algorithm, 'encryption');
      requireUsage(key, 'encrypt', name);
      return aesGcm(true, algorithmObject(algorithm), key,
        bytesArgument(data, 'encrypt', 3));
    });
  }

  decrypt(algorithm, key, data) {
    return promised(() => {
      const name = algorithmName(algorithm, 'decryption');
      requireUsage(key, 'decrypt', name);
      return aesGcm(false, algorithmObject(algorithm), key,
        bytesArgument(data, 'decrypt', 3));
    });
  }

  sign(algorithm, key, data) {
    return promised(() => {
      const name = algorithmName(algorithm, 'signing');
      const bytes = bytesArgument(data, 'sign', 3);
      requireUsage(key, 'sign', name);
      if (name === 'HMAC') {
        return toArrayBuffer(natives.cryptoHmac(key.algorithm.hash.name,
          keyData(key), bytes));
      }
      const hash = signatureHash(name, algorithmObject(algorithm));
      const out = natives.cryptoSign(hash, keyData(key).der, bytes);
      if (out === null) throw domError('OperationError', 'Signing failed.');
      return toArrayBuffer(out);
    });
  }

  verify(algorithm, key, signature, data) {
    return promised(() => {
      const name = algorithmName(algorithm, 'verification');
      const sig = bytesArgument(signature, 'verify', 3);
      const bytes = bytesArgument(data, 'verify', 4);
      requireUsage(key, 'verify', name);
      if (name === 'HMAC') {
        const expected = natives.cryptoHmac(key.algorithm.hash.name,
          keyData(key), bytes);
        return timingSafeEqual(expected, sig);
      }
      return natives.cryptoVerify(signatureHash(name, algorithmObject(algorithm)),
        keyData(key).der, sig, bytes);
    });
  }

  digest(algorithm, data) {
    return promised(() => {
      const name = algorithmObject(algorithm).name;
      const bytes = bytesArgument(data, 'digest', 2);
      return toArrayBuffer(natives.cryptoDigest(hashName(name), bytes));
    });
  }

  generateKey(algorithm, extractable, usages) {
    return promised(() => generateOf(algorithm, extractable, usages));
  }

  deriveKey(algorithm, baseKey, derivedKeyType, extractable, usages) {
    return promised(() => {
      const name = algorithmName(algorithm, 'key derivation');
      requireUsage(baseKey, 'deriveKey', name);
      const target = algorithmObject(derivedKeyType);
      const targetName = algorithmName(target, 'key import');
      let length;
      if (targetName === 'AES-GCM') {
        length = Number(requireField(target, 'length'));
      } else if (targetName === 'HMAC') {
        length = target.length === undefined ?
          kBlockBits[hashName(requireField(target, 'hash'))] :
          Number(target.length);
      } else {
        throw domError('NotSupportedError',
          `Cannot derive a key for the ${targetName} algorithm.`);
      }
      const proxy = newKey('secret', false, baseKey.algorithm,
        ['deriveBits'], keyData(baseKey));
      const bits = deriveBitsOf(algorithm, proxy, length);
      return importOf('raw', bits, target, extractable, usages);
    });
  }

  deriveBits(algorithm, baseKey, length = null) {
    return promised(() =>
      toArrayBuffer(deriveBitsOf(algorithmObject(algorithm), baseKey,
        length === null ? null : Number(length))));
  }

  importKey(format, keyData, algorithm, extractable, usages) {
    return promised(() => importOf(format, keyData, algorithm, extractable,
      usages));
  }

  exportKey(format, key) {
    return promised(() => exportOf(`${format}`, key));
  }

  wrapKey() {
    return Promise.reject(domError('NotSupportedError',
      'crypto.subtle.wrapKey() is not implemented in dohost.'));
  }

  unwrapKey() {
    return Promise.reject(domError('NotSupportedError',
      'crypto.subtle.unwrapKey() is not implemented in dohost.'));
  }

  // workerd's extension: compares two buffers in constant time.
  timingSafeEqual(a, b) {
    if (!(this instanceof SubtleCrypto)) throw illegalInvocation();
    const left = bytesArgument(a, 'timingSafeEqual', 1);
    const right = bytesArgument(b, 'timingSafeEqual', 2);
    if (left.length !== right.length) {
      throw new TypeError('Input buffers must have the same byte length.');
    }
    return timingSafeEqual(left, right);
  }
}

function timingSafeEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, {
  value: 'SubtleCrypto',
  configurable: true,
});
finishInterface(SubtleCrypto);
inspectByGetters(SubtleCrypto);

// ===========================================================================
// DigestStream: a WritableStream whose `digest` promise gives the hash of
// everything written, once closed.

function makeDigestStream() {
  class DigestStream extends WritableStream {
    constructor(algorithm) {
      const name = hashName(algorithmObject(algorithm).name);
      const chunks = [];
      let resolveDigest;
      let rejectDigest;
      const digest = new Promise((resolve, reject) => {
        resolveDigest = resolve;
        rejectDigest = reject;
      });
      digest.catch(() => {});
      super({
        write(chunk) {
          if (typeof chunk === 'string') {
            chunks.push(new TextEncoder().encode(chunk));
          } else if (isBufferSource(chunk)) {
            chunks.push(bufferSourceBytes(chunk).slice());
          } else {
            throw new TypeError(
              'DigestStream only accepts strings and BufferSource chunks.');
          }
        },
        close() {
          const total = chunks.reduce((n, c) => n + c.length, 0);
          const all = new Uint8Array(total);
          let offset = 0;
          for (const chunk of chunks) {
            all.set(chunk, offset);
            offset += chunk.length;
          }
          resolveDigest(toArrayBuffer(natives.cryptoDigest(name, all)));
        },
        abort(reason) {
          rejectDigest(reason);
        },
      });
      Object.defineProperty(this, 'digest', { value: digest,
        enumerable: true });
    }
  }
  return DigestStream;
}

// ===========================================================================
// Crypto

const kIntegerViews = new Set(['Int8Array', 'Uint8Array', 'Uint8ClampedArray',
  'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array',
  'BigUint64Array']);

export class Crypto {
  #subtle;

  constructor(token) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    this.#subtle = new SubtleCrypto(kConstruct);
  }

  get subtle() {
    if (!(this instanceof Object) || !(#subtle in this)) {
      throw illegalInvocation();
    }
    return this.#subtle;
  }

  getRandomValues(array) {
    if (!ArrayBuffer.isView(array)) {
      throw new TypeError(
        "Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is " +
          "not of type 'ArrayBufferView'.");
    }
    if (!kIntegerViews.has(typedArrayName(array))) {
      throw domError('TypeMismatchError',
        'ArrayBufferView argument to getRandomValues() must be an ' +
          'integer-typed view.');
    }
    if (array.byteLength > 65536) {
      throw domError('QuotaExceededError',
        'getRandomValues() only accepts buffers of size <= 64K but ' +
          `provided ${array.byteLength} bytes.`);
    }
    requireHandlerScope();
    natives.cryptoRandomFill(array);
    return array;
  }

  randomUUID() {
    requireHandlerScope();
    const bytes = new Uint8Array(16);
    natives.cryptoRandomFill(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-` +
      `${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

Object.defineProperty(Crypto.prototype, Symbol.toStringTag, {
  value: 'Crypto',
  configurable: true,
});
finishInterface(Crypto);
inspectByGetters(Crypto);
Object.defineProperty(Crypto.prototype, 'DigestStream', {
  value: makeDigestStream(), writable: true, enumerable: true,
  configurable: true,
});

let theCrypto = null;

export function crypto() {
  theCrypto ??= new Crypto(kConstruct);
  return theCrypto;
}
