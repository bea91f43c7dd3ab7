// node:util. inspect() and format() are the runtime's own port of Node's
// (web/console.js, which console.log uses too); the rest is written here
// to Node's documented behaviour.

import { inspect, formatLogArgs } from '../web/console.js';
import { TextEncoder, TextDecoder } from '../web/encoding.js';
import { moduleExports } from './module_table.js';
import { getBuffer } from './buffer.js';
import { isDeepStrictEqual } from './deep_equal.js';

const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom');

function invalidArgType(name, expected, value) {
  const error = new TypeError(
    `The "${name}" argument must be of type ${expected}. Received ` +
      (value === null || value === undefined ? String(value)
        : `type ${typeof value} (${inspect(value)})`));
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

function promisify(original) {
  if (typeof original !== 'function') {
    throw invalidArgType('original', 'function', original);
  }
  if (original[kCustomPromisify]) {
    const fn = original[kCustomPromisify];
    if (typeof fn !== 'function') {
      throw invalidArgType('util.promisify.custom', 'function', fn);
    }
    return Object.defineProperty(fn, kCustomPromisify, { value: fn });
  }
  function fn(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [...args, (error, ...values) => {
        if (error) reject(error);
        else resolve(values[0]);
      }]);
    });
  }
  Object.setPrototypeOf(fn, Object.getPrototypeOf(original));
  Object.defineProperty(fn, kCustomPromisify, { value: fn });
  return Object.defineProperties(fn,
    Object.getOwnPropertyDescriptors(original));
}
promisify.custom = kCustomPromisify;

function callbackify(original) {
  if (typeof original !== 'function') {
    throw invalidArgType('original', 'function', original);
  }
  function callbackified(...args) {
    const callback = args.pop();
    if (typeof callback !== 'function') {
      throw invalidArgType('last argument', 'function', callback);
    }
    Reflect.apply(original, this, args).then(
      (value) => queueMicrotask(() => callback(null, value)),
      (reason) => {
        if (!reason) {
          const error = new Error('Promise was rejected with a falsy value');
          error.code = 'ERR_FALSY_VALUE_REJECTION';
          error.reason = reason;
          reason = error;
        }
        queueMicrotask(() => callback(reason));
      });
  }
  return callbackified;
}

function inherits(ctor, superCtor) {
  if (ctor === undefined || ctor === null) {
    throw invalidArgType('ctor', 'function', ctor);
  }
  if (superCtor === undefined || superCtor === null) {
    throw invalidArgType('superCtor', 'function', superCtor);
  }
  if (superCtor.prototype === undefined) {
    throw invalidArgType('superCtor.prototype', 'object', superCtor.prototype);
  }
  Object.defineProperty(ctor, 'super_', {
    value: superCtor, writable: true, configurable: true,
  });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

function deprecate(fn, message, code = undefined) {
  let warned = false;
  return function deprecated(...args) {
    if (!warned) {
      warned = true;
      console.warn(`(node) [${code ?? 'DEP'}] DeprecationWarning: ${message}`);
    }
    return new.target ? Reflect.construct(fn, args, new.target)
      : Reflect.apply(fn, this, args);
  };
}

function format(...args) {
  return formatLogArgs(args);
}

function formatWithOptions(options, ...args) {
  void options;
  return formatLogArgs(args);
}

function debuglog() {
  const log = () => {};
  log.enabled = false;
  return log;
}

function stripVTControlCharacters(text) {
  // eslint-disable-next-line no-control-regex
  return String(text).replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:;[-a-zA-Z\d/#&.:=?%@~_]+)*|[a-zA-Z\d]+(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007|(?:\d{1,4}(?:;\d{0,4})*)?[\dA-ORZcf-nq-uy=><~])/g, '');
}

function toUSVString(text) {
  return String(text).toWellFormed();
}

function aborted(signal, resource) {
  void resource;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

// util.types: brand checks through the built-ins' own methods, which
// throw for anything but their own kind.
function hasBrand(method, value) {
  try {
    method.call(value);
    return true;
  } catch {
    return false;
  }
}

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag).get;
const isTypedArrayOf = (name) => (value) => typedArrayTag.call(value) === name;
const AsyncFunction = (async () => {}).constructor;
const GeneratorFunction = function* () {}.constructor;
const AsyncGeneratorFunction = async function* () {}.constructor;
const bigIntValue = BigInt.prototype.valueOf;

const types = {
  isExternal: () => false,
  isDate: (v) => hasBrand(Date.prototype.getTime, v),
  isArgumentsObject: (v) =>
    Object.prototype.toString.call(v) === '[object Arguments]',
  isBigIntObject: (v) => typeof v === 'object' && hasBrand(bigIntValue, v),
  isBooleanObject: (v) =>
    typeof v === 'object' && hasBrand(Boolean.prototype.valueOf, v),
  isNumberObject: (v) =>
    typeof v === 'object' && hasBrand(Number.prototype.valueOf, v),
  isStringObject: (v) =>
    typeof v === 'object' && hasBrand(String.prototype.valueOf, v),
  isSymbolObject: (v) =>
    typeof v === 'object' && hasBrand(Symbol.prototype.valueOf, v),
  isBoxedPrimitive: (v) => types.isBigIntObject(v) ||
    types.isBooleanObject(v) || types.isNumberObject(v) ||
    types.isStringObject(v) || types.isSymbolObject(v),
  isNativeError: (v) => Error.isError(v),
  isRegExp: (v) => hasBrand(
    Object.getOwnPropertyDescriptor(RegExp.prototype, 'source').get, v) &&
    v !== RegExp.prototype,
  isAsyncFunction: (v) => typeof v === 'function' &&
    (Object.getPrototypeOf(v) === AsyncFunction.prototype ||
      Object.getPrototypeOf(v) === AsyncGeneratorFunction.prototype),
  isGeneratorFunction: (v) => typeof v === 'function' &&
    (Object.getPrototypeOf(v) === GeneratorFunction.prototype ||
      Object.getPrototypeOf(v) === AsyncGeneratorFunction.prototype),
  isGeneratorObject: (v) =>
    Object.prototype.toString.call(v) === '[object Generator]',
  isPromise: (v) =>
    Object.prototype.toString.call(v) === '[object Promise]',
  isMap: (v) => hasBrand(
    Object.getOwnPropertyDescriptor(Map.prototype, 'size').get, v),
  isSet: (v) => hasBrand(
    Object.getOwnPropertyDescriptor(Set.prototype, 'size').get, v),
  isMapIterator: (v) =>
    Object.prototype.toString.call(v) === '[object Map Iterator]',
  isSetIterator: (v) =>
    Object.prototype.toString.call(v) === '[object Set Iterator]',
  isWeakMap: (v) => hasBrand(function check() {
    WeakMap.prototype.has.call(this, {});
  }, v),
  isWeakSet: (v) => hasBrand(function check() {
    WeakSet.prototype.has.call(this, {});
  }, v),
  isArrayBuffer: (v) => hasBrand(
    Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get,
    v),
  isSharedArrayBuffer: (v) => typeof SharedArrayBuffer === 'function' &&
    hasBrand(Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype,
      'byteLength').get, v),
  isAnyArrayBuffer: (v) => types.isArrayBuffer(v) ||
    types.isSharedArrayBuffer(v),
  isDataView: (v) => hasBrand(
    Object.getOwnPropertyDescriptor(DataView.prototype, 'byteLength').get, v),
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isTypedArray: (v) => typedArrayTag.call(v) !== undefined,
  isUint8Array: isTypedArrayOf('Uint8Array'),
  isUint8ClampedArray: isTypedArrayOf('Uint8ClampedArray'),
  isUint16Array: isTypedArrayOf('Uint16Array'),
  isUint32Array: isTypedArrayOf('Uint32Array'),
  isInt8Array: isTypedArrayOf('Int8Array'),
  isInt16Array: isTypedArrayOf('Int16Array'),
  isInt32Array: isTypedArrayOf('Int32Array'),
  isFloat16Array: isTypedArrayOf('Float16Array'),
  isFloat32Array: isTypedArrayOf('Float32Array'),
  isFloat64Array: isTypedArrayOf('Float64Array'),
  isBigInt64Array: isTypedArrayOf('BigInt64Array'),
  isBigUint64Array: isTypedArrayOf('BigUint64Array'),
  isModuleNamespaceObject: (v) => v !== null && typeof v === 'object' &&
    v[Symbol.toStringTag] === 'Module' && Object.getPrototypeOf(v) === null &&
    !Object.isExtensible(v),
  // TODO(conform): proxies cannot be told apart from their targets in
  // plain JavaScript; isProxy() answers false.
  isProxy: () => false,
  isKeyObject: () => false,
  isCryptoKey: (v) => v?.[Symbol.toStringTag] === 'CryptoKey',
};

const legacy = {
  isArray: Array.isArray,
  isBoolean: (v) => typeof v === 'boolean',
  isBuffer: (v) => getBuffer().isBuffer(v),
  isDate: types.isDate,
  isError: (v) => Error.isError(v) || v instanceof Error,
  isFunction: (v) => typeof v === 'function',
  isNull: (v) => v === null,
  isNullOrUndefined: (v) => v === null || v === undefined,
  isNumber: (v) => typeof v === 'number',
  isObject: (v) => v !== null && typeof v === 'object',
  isPrimitive: (v) => v === null ||
    (typeof v !== 'object' && typeof v !== 'function'),
  isRegExp: types.isRegExp,
  isString: (v) => typeof v === 'string',
  isSymbol: (v) => typeof v === 'symbol',
  isUndefined: (v) => v === undefined,
};

function notSupported(name) {
  return () => {
    throw new Error(`util.${name}() is not supported by dohost`);
  };
}

export const typesModule = () => moduleExports(types);

export const utilModule = () => moduleExports({
  types,
  callbackify,
  promisify,
  inspect,
  format,
  formatWithOptions,
  stripVTControlCharacters,
  inherits,
  _extend: (target, source) => Object.assign(target, source),
  toUSVString,
  log: (...args) => console.log(...args),
  aborted,
  debuglog,
  debug: debuglog,
  deprecate,
  TextEncoder,
  TextDecoder,
  isDeepStrictEqual,
  // TODO(conform): MIMEType, parseArgs, parseEnv, styleText, getCallSites
  // and the system error maps; they throw instead.
  MIMEType: notSupported('MIMEType'),
  MIMEParams: notSupported('MIMEParams'),
  parseArgs: notSupported('parseArgs'),
  parseEnv: notSupported('parseEnv'),
  styleText: notSupported('styleText'),
  getCallSites: notSupported('getCallSites'),
  getSystemErrorName: notSupported('getSystemErrorName'),
  getSystemErrorMap: notSupported('getSystemErrorMap'),
  ...legacy,
});
