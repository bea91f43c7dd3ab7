// formatLogArgs() and inspect(): the text workerd prints for console.log().
// workerd formats log arguments with its port of Node's util.format() and
// util.inspect(); this is a rewrite of that algorithm (line breaking at 80
// columns, grouping of long arrays, depth 2, circular markers) for a bare
// V8 context.
//
// Plain JavaScript cannot see a promise's state, a proxy's target or the
// entries left in a Map or Set iterator. The host may supply them with
// setInspectNatives(); without them a promise prints as
// "Promise { <unknown> }", a proxy as its target would, and a Map or Set
// iterator as "<items unknown>".

import { kInspect } from './inspect_hook.js';

const kObjectType = 0;
const kArrayType = 1;
const kArrayExtrasType = 2;

const kMinLineLength = 16;

const kDefaultOptions = {
  depth: 2,
  showHidden: false,
  customInspect: true,
  maxArrayLength: 100,
  maxStringLength: 10000,
  breakLength: 80,
  compact: 3,
};

let natives = {};

// natives: { promiseState(p) -> { state: 'pending' | 'fulfilled' |
// 'rejected', result }, proxyTarget(v) -> target or undefined,
// previewEntries(iterator) -> [entries, isKeyValue] }; each optional.
export function setInspectNatives(value) {
  natives = value || {};
}

// ===========================================================================
// Type checks that work on any object without side effects

const toStringTag = (value) => Object.prototype.toString.call(value);

function brandCheck(getter) {
  return (value) => {
    try {
      getter.call(value);
      return true;
    } catch {
      return false;
    }
  };
}

const getter = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayName = getter(TypedArrayPrototype, Symbol.toStringTag);

const isMap = brandCheck(getter(Map.prototype, 'size'));
const isSet = brandCheck(getter(Set.prototype, 'size'));
const isArrayBuffer = brandCheck(getter(ArrayBuffer.prototype, 'byteLength'));
const isSharedArrayBuffer = brandCheck(
  getter(SharedArrayBuffer.prototype, 'byteLength'),
);
const isDataView = brandCheck(getter(DataView.prototype, 'byteLength'));
const isDate = brandCheck(Date.prototype.getTime);
const isRegExp = (value) => {
  try {
    getter(RegExp.prototype, 'flags');
    return toStringTag(value) === '[object RegExp]' &&
      typeof getter(RegExp.prototype, 'source').call(value) === 'string' &&
      value !== RegExp.prototype;
  } catch {
    return false;
  }
};
const isWeakMap = (value) => {
  try {
    WeakMap.prototype.has.call(value, {});
    return true;
  } catch {
    return false;
  }
};
const isWeakSet = (value) => {
  try {
    WeakSet.prototype.has.call(value, {});
    return true;
  } catch {
    return false;
  }
};
const isTypedArray = (value) => typedArrayName.call(value) !== undefined;
const isNumberObject = brandCheck(Number.prototype.valueOf);
const isStringObject = brandCheck(String.prototype.valueOf);
const isBooleanObject = brandCheck(Boolean.prototype.valueOf);
const isBigIntObject = brandCheck(BigInt.prototype.valueOf);
const isSymbolObject = brandCheck(Symbol.prototype.valueOf);
const isBoxedPrimitive = (value) =>
  isNumberObject(value) || isStringObject(value) || isBooleanObject(value) ||
  isBigIntObject(value) || isSymbolObject(value);

const isMapIterator = (value) => toStringTag(value) === '[object Map Iterator]';
const isSetIterator = (value) => toStringTag(value) === '[object Set Iterator]';

const isPromise = (value) => toStringTag(value) === '[object Promise]';
const isArguments = (value) => toStringTag(value) === '[object Arguments]';
const isError = (value) =>
  toStringTag(value) === '[object Error]' || value instanceof Error;

const isAsyncFunction = (fn) => {
  const tag = fn[Symbol.toStringTag];
  return tag === 'AsyncFunction' || tag === 'AsyncGeneratorFunction';
};
const isGeneratorFunction = (fn) => {
  const tag = fn[Symbol.toStringTag];
  return tag === 'GeneratorFunction' || tag === 'AsyncGeneratorFunction';
};

// Names of the global constructors, gathered on first use, once the
// runtime has installed its globals.
let builtInObjects;
function isBuiltIn(name) {
  builtInObjects ??= new Set(
    Object.getOwnPropertyNames(globalThis).filter((name) =>
      /^[A-Z][a-zA-Z0-9]+$/.test(name),
    ),
  );
  return builtInObjects.has(name);
}

// ===========================================================================
// Strings

const kEscapes = new Map([
  [8, '\\b'], [9, '\\t'], [10, '\\n'], [12, '\\f'], [13, '\\r'],
  [39, "\\'"], [92, '\\\\'],
]);

function escapeChar(char) {
  const code = char.charCodeAt(0);
  return kEscapes.get(code) ?? `\\u${code.toString(16).padStart(4, '0')}`;
}

const kEscapeWithSingle = /[\x00-\x1f\x27\x5c\x7f-\x9f]/g;
const kEscapeNoSingle = /[\x00-\x1f\x5c\x7f-\x9f]/g;

// Quotes like Node: single quotes unless the string holds one, then double
// quotes, then backticks; escapes control characters and backslashes.
function strEscape(string) {
  let quote = "'";
  let escape = kEscapeWithSingle;
  if (string.includes("'")) {
    if (!string.includes('"')) {
      quote = '"';
    } else if (!string.includes('`') && !string.includes('${')) {
      quote = '`';
    }
    if (quote !== "'") escape = kEscapeNoSingle;
  }
  return quote + string.replace(escape, escapeChar) + quote;
}

const kKeyIdentifier = /^[a-zA-Z_][a-zA-Z_0-9]*$/;

function formatNumber(value) {
  return Object.is(value, -0) ? '-0' : `${value}`;
}

function formatPrimitive(value, ctx) {
  switch (typeof value) {
    case 'string': {
      let trailer = '';
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength;
        value = value.slice(0, ctx.maxStringLength);
        trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
      }
      // A long string is split after its line breaks, one piece a line.
      if (value.length > kMinLineLength &&
          value.length > ctx.breakLength - ctx.indentationLvl - 4) {
        return value
          .split(/(?<=\n)/)
          .map(strEscape)
          .join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer;
      }
      return strEscape(value) + trailer;
    }
    case 'number':
      return formatNumber(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    default:
      return `${value}`;
  }
}

// ===========================================================================
// Objects

function remainingText(remaining) {
  return `... ${remaining} more item${remaining > 1 ? 's' : ''}`;
}

function getPrefix(constructor, tag, fallback, size = '') {
  if (constructor === null) {
    if (tag !== '' && fallback !== tag) {
      return `[${fallback}${size}: null prototype] [${tag}] `;
    }
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== '' && constructor !== tag) {
    return `${constructor}${size} [${tag}] `;
  }
  return `${constructor}${size} `;
}

function getConstructorName(value) {
  let object = value;
  let firstProto;
  while (object) {
    const descriptor = Object.getOwnPropertyDescriptor(object, 'constructor');
    if (descriptor !== undefined && typeof descriptor.value === 'function' &&
        descriptor.value.name !== '' && isInstanceof(value, descriptor.value)) {
      return String(descriptor.value.name);
    }
    object = Object.getPrototypeOf(object);
    if (firstProto === undefined) firstProto = object;
  }
  if (firstProto === null) return null;
  // Node asks V8 for the class name here; plain JavaScript cannot.
  return 'Object';
}

function isInstanceof(value, constructor) {
  try {
    return value instanceof constructor;
  } catch {
    return false;
  }
}

function getKeys(value, showHidden) {
  const symbols = Object.getOwnPropertySymbols(value);
  let keys;
  if (showHidden) {
    keys = Object.getOwnPropertyNames(value);
    keys.push(...symbols);
  } else {
    keys = Object.keys(value);
    keys.push(...symbols.filter((key) =>
      Object.prototype.propertyIsEnumerable.call(value, key)));
  }
  return keys;
}

const kIndexKey = /^(0|[1-9][0-9]*)$/;

// Own keys other than array indices (for arrays and typed arrays).
function getNonIndexKeys(value, showHidden) {
  return Reflect.ownKeys(value).filter((key) => {
    if (typeof key === 'string' && kIndexKey.test(key) &&
        Number(key) < 2 ** 32 - 1) {
      return false;
    }
    return showHidden ||
      Object.prototype.propertyIsEnumerable.call(value, key);
  });
}

function getFunctionBase(value, constructor, tag) {
  let source = '';
  try {
    source = Function.prototype.toString.call(value);
  } catch {}
  if (source.startsWith('class') && source.endsWith('}')) {
    return getClassBase(value, constructor, tag);
  }
  let type = 'Function';
  if (isGeneratorFunction(value)) type = `Generator${type}`;
  if (isAsyncFunction(value)) type = `Async${type}`;
  let base = `[${type}`;
  if (constructor === null) base += ' (null prototype)';
  base += value.name === '' ? ' (anonymous)' : `: ${value.name}`;
  base += ']';
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

function getClassBase(value, constructor, tag) {
  const hasName = Object.prototype.hasOwnProperty.call(value, 'name');
  const name = (hasName && value.name) || '(anonymous)';
  let base = `class ${name}`;
  if (constructor !== 'Function' && constructor !== null) {
    base += ` [${constructor}]`;
  }
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  if (constructor !== null) {
    const superName = Object.getPrototypeOf(value).name;
    if (superName) base += ` extends ${superName}`;
  } else {
    base += ' extends [null prototype]';
  }
  return `[${base}]`;
}

function getBoxedBase(value, ctx, keys, constructor, tag) {
  let type;
  let primitive;
  if (isNumberObject(value)) {
    type = 'Number';
    primitive = Number.prototype.valueOf.call(value);
  } else if (isStringObject(value)) {
    type = 'String';
    primitive = String.prototype.valueOf.call(value);
    // The index keys only repeat the characters.
    keys.splice(0, primitive.length);
  } else if (isBooleanObject(value)) {
    type = 'Boolean';
    primitive = Boolean.prototype.valueOf.call(value);
  } else if (isBigIntObject(value)) {
    type = 'BigInt';
    primitive = BigInt.prototype.valueOf.call(value);
  } else {
    type = 'Symbol';
    primitive = Symbol.prototype.valueOf.call(value);
  }
  let base = `[${type}`;
  if (type !== constructor) {
    base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
  }
  base += `: ${formatPrimitive(primitive, { ...ctx, breakLength: Infinity })}]`;
  if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
  return base;
}

// ===========================================================================
// Errors

function stackString(error) {
  try {
    if (error.stack) return String(error.stack);
  } catch {}
  return Error.prototype.toString.call(error);
}

function removeDuplicateErrorKeys(ctx, keys, error, stack) {
  if (ctx.showHidden || keys.length === 0) return;
  for (const name of ['name', 'message', 'stack']) {
    const index = keys.indexOf(name);
    if (index !== -1 && stack.includes(error[name])) keys.splice(index, 1);
  }
}

// Makes the first line name the class when it does not already, e.g.
// "Foo [TypeError]: ..." for a subclass Foo that kept the name TypeError.
function improveStack(stack, constructor, name, tag) {
  let length = name.length;
  if (constructor === null || (name.endsWith('Error') &&
      stack.startsWith(name) && (stack.length === length ||
      stack[length] === ':' || stack[length] === '\n'))) {
    let fallback = 'Error';
    if (constructor === null) {
      const start =
        /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/.exec(stack) ||
        /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
      fallback = (start && start[1]) || '';
      length = fallback.length;
      fallback = fallback || 'Error';
    }
    const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
    if (name !== prefix) {
      if (prefix.includes(name)) {
        stack = length === 0 ? `${prefix}: ${stack}`
          : `${prefix}${stack.slice(length)}`;
      } else {
        stack = `${prefix} [${name}]${stack.slice(length)}`;
      }
    }
  }
  return stack;
}

// The longest run (more than three lines) that two stacks share.
function identicalSequenceRange(a, b) {
  for (let i = 0; i < a.length - 3; i++) {
    const pos = b.indexOf(a[i]);
    if (pos !== -1) {
      const rest = b.length - pos;
      if (rest > 3) {
        let length = 1;
        const maxLength = Math.min(a.length - i, rest);
        while (maxLength > length && a[i + length] === b[pos + length]) {
          length++;
        }
        if (length > 3) return { length, offset: i };
      }
    }
  }
  return { length: 0, offset: 0 };
}

function stackFrames(error, frames) {
  const lines = frames.split('\n');
  let cause;
  try {
    cause = error.cause;
  } catch {}
  if (cause != null && isError(cause)) {
    const causeStack = stackString(cause);
    const start = causeStack.indexOf('\n    at');
    if (start !== -1) {
      const causeLines = causeStack.slice(start + 1).split('\n');
      const { length, offset } = identicalSequenceRange(lines, causeLines);
      if (length > 0) {
        const skipped = length - 2;
        lines.splice(offset + 1, skipped,
          `    ... ${skipped} lines matching cause stack trace ...`);
      }
    }
  }
  return lines;
}

function formatError(error, constructor, tag, ctx, keys) {
  const name = error.name != null ? String(error.name) : 'Error';
  let stack = stackString(error);
  removeDuplicateErrorKeys(ctx, keys, error, stack);
  if ('cause' in error && !keys.includes('cause')) keys.push('cause');
  if (Array.isArray(error.errors) && !keys.includes('errors')) {
    keys.push('errors');
  }
  stack = improveStack(stack, constructor, name, tag);

  // The stack proper starts after the message, which may hold "\n    at".
  let pos = (error.message && stack.indexOf(error.message)) || -1;
  if (pos !== -1) pos += error.message.length;
  const stackStart = stack.indexOf('\n    at', pos);
  if (stackStart === -1) {
    stack = `[${stack}]`;
  } else {
    const frames = stackFrames(error, stack.slice(stackStart + 1));
    stack = `${stack.slice(0, stackStart)}\n${frames.join('\n')}`;
  }
  if (ctx.indentationLvl !== 0) {
    stack = stack.replace(/\n/g, `\n${' '.repeat(ctx.indentationLvl)}`);
  }
  return stack;
}

// ===========================================================================
// Formatters for the entries of each kind of object

function formatArrayBuffer(ctx, value) {
  const bytes = new Uint8Array(value);
  const shown = Math.min(ctx.maxArrayLength, bytes.length);
  let hex = '';
  for (let i = 0; i < shown; i++) {
    hex += (i === 0 ? '' : ' ') + bytes[i].toString(16).padStart(2, '0');
  }
  const remaining = bytes.length - ctx.maxArrayLength;
  if (remaining > 0) {
    hex += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  }
  return [`[Uint8Contents]: <${hex}>`];
}

function formatArray(ctx, value, recurseTimes) {
  const length = Math.min(Math.max(0, ctx.maxArrayLength), value.length);
  const remaining = value.length - length;
  const output = [];
  for (let i = 0; i < length; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) {
      return formatSparseArray(ctx, value, recurseTimes, length, output, i);
    }
    output.push(formatProperty(ctx, value, recurseTimes, i, kArrayType));
  }
  if (remaining > 0) output.push(remainingText(remaining));
  return output;
}

// An array with holes: runs of holes print as "<n empty items>".
function formatSparseArray(ctx, value, recurseTimes, maxLength, output, i) {
  const keys = Object.keys(value);
  let index = i;
  for (; i < keys.length && output.length < maxLength; i++) {
    const key = keys[i];
    const number = +key;
    if (number > 2 ** 32 - 2) break;
    if (`${index}` !== key) {
      if (!kIndexKey.test(key)) break;
      const empty = number - index;
      output.push(`<${empty} empty item${empty > 1 ? 's' : ''}>`);
      index = number;
      if (output.length === maxLength) break;
    }
    output.push(formatProperty(ctx, value, recurseTimes, key, kArrayType));
    index++;
  }
  const remaining = value.length - index;
  if (output.length !== maxLength) {
    if (remaining > 0) {
      output.push(`<${remaining} empty item${remaining > 1 ? 's' : ''}>`);
    }
  } else if (remaining > 0) {
    output.push(remainingText(remaining));
  }
  return output;
}

function formatTypedArray(ctx, value, recurseTimes) {
  const length = value.length;
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output = [];
  for (let i = 0; i < shown; i++) {
    const element = value[i];
    output.push(typeof element === 'bigint' ? `${element}n`
      : formatNumber(element));
  }
  if (length > shown) output.push(remainingText(length - shown));
  if (ctx.showHidden) {
    ctx.indentationLvl += 2;
    for (const key of ['BYTES_PER_ELEMENT', 'length', 'byteLength',
      'byteOffset', 'buffer']) {
      output.push(`[${key}]: ${formatValue(ctx, value[key], recurseTimes,
        true)}`);
    }
    ctx.indentationLvl -= 2;
  }
  return output;
}

function formatSet(ctx, value, recurseTimes) {
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), value.size);
  const output = [];
  ctx.indentationLvl += 2;
  for (const element of value) {
    if (output.length >= shown) break;
    output.push(formatValue(ctx, element, recurseTimes));
  }
  if (value.size > shown) output.push(remainingText(value.size - shown));
  ctx.indentationLvl -= 2;
  return output;
}

function formatMap(ctx, value, recurseTimes) {
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), value.size);
  const output = [];
  ctx.indentationLvl += 2;
  for (const [key, element] of value) {
    if (output.length >= shown) break;
    output.push(`${formatValue(ctx, key, recurseTimes)} => ` +
      formatValue(ctx, element, recurseTimes));
  }
  if (value.size > shown) output.push(remainingText(value.size - shown));
  ctx.indentationLvl -= 2;
  return output;
}

function formatIterator(ctx, value, recurseTimes, braces) {
  if (typeof natives.previewEntries !== 'function') {
    return ['<items unknown>'];
  }
  const [entries, isKeyValue] = natives.previewEntries(value);
  const output = [];
  ctx.indentationLvl += 2;
  if (isKeyValue) {
    braces[0] = braces[0].replace(/ Iterator] {$/, ' Entries] {');
    for (let i = 0; i < entries.length; i += 2) {
      const pair = [
        formatValue(ctx, entries[i], recurseTimes),
        formatValue(ctx, entries[i + 1], recurseTimes),
      ];
      output.push(reduceToSingleString(ctx, pair, '', ['[', ']'],
        kArrayExtrasType, recurseTimes));
    }
  } else {
    for (const entry of entries) {
      output.push(formatValue(ctx, entry, recurseTimes));
    }
  }
  ctx.indentationLvl -= 2;
  return output;
}

function formatPromise(ctx, value, recurseTimes) {
  if (typeof natives.promiseState !== 'function') return ['<unknown>'];
  const { state, result } = natives.promiseState(value);
  if (state === 'pending') return ['<pending>'];
  ctx.indentationLvl += 2;
  const string = formatValue(ctx, result, recurseTimes);
  ctx.indentationLvl -= 2;
  return [state === 'rejected' ? `<rejected> ${string}` : string];
}

function formatProperty(ctx, value, recurseTimes, key, type, descriptor) {
  descriptor ??= Object.getOwnPropertyDescriptor(value, key) ??
    { value: value[key], enumerable: true };
  let string;
  if (descriptor.value !== undefined) {
    ctx.indentationLvl += 2;
    string = formatValue(ctx, descriptor.value, recurseTimes);
    ctx.indentationLvl -= 2;
  } else if (descriptor.get !== undefined) {
    string = descriptor.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  } else if (descriptor.set !== undefined) {
    string = '[Setter]';
  } else {
    string = 'undefined';
  }
  if (type === kArrayType) return string;
  return `${formatKey(key, descriptor.enumerable === false)}: ${string}`;
}

function formatKey(key, hidden) {
  // workerd prints symbol keys without Node's brackets.
  if (typeof key === 'symbol') {
    return key.toString().replace(kEscapeWithSingle, escapeChar);
  }
  if (key === '__proto__') return "['__proto__']";
  if (hidden) return `[${key.replace(kEscapeWithSingle, escapeChar)}]`;
  if (kKeyIdentifier.test(key)) return key;
  return strEscape(key);
}

// ===========================================================================
// Laying out the entries

function groupArrayElements(ctx, output, value) {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  // The "... more items" line is not grouped.
  if (ctx.maxArrayLength < output.length) outputLength--;
  const separatorSpace = 2;
  const dataLength = new Array(outputLength);
  for (let i = 0; i < outputLength; i++) {
    const length = output[i].length;
    dataLength[i] = length;
    totalLength += length + separatorSpace;
    if (maxLength < length) maxLength = length;
  }
  const actualMax = maxLength + separatorSpace;
  // Group only when three entries fit on a line and no entry is far longer
  // than the others.
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
      (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    );
    if (columns <= 1) return output;
    const maxLineLength = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) {
        if (dataLength[j] > lineLength) lineLength = dataLength[j];
      }
      maxLineLength.push(lineLength + separatorSpace);
    }
    // Numbers are right-aligned, anything else left-aligned.
    let padStart = true;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
          padStart = false;
          break;
        }
      }
    }
    const grouped = [];
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let line = '';
      let j = i;
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `;
        line += padStart ? cell.padStart(maxLineLength[j - i], ' ')
          : cell.padEnd(maxLineLength[j - i], ' ');
      }
      line += padStart
        ? output[j].padStart(maxLineLength[j - i] - separatorSpace, ' ')
        : output[j];
      grouped.push(line);
    }
    if (ctx.maxArrayLength < output.length) {
      grouped.push(output[outputLength]);
    }
    output = grouped;
  }
  return output;
}

function isBelowBreakLength(ctx, output, start, base) {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    totalLength += entry.length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === '' || !base.includes('\n');
}

function reduceToSingleString(ctx, output, base, braces, extrasType,
  recurseTimes, value) {
  const entries = output.length;
  if (extrasType === kArrayExtrasType && entries > 6) {
    output = groupArrayElements(ctx, output, value);
  }
  // Entries of the innermost `compact` levels share a line when they fit.
  if (ctx.currentDepth - recurseTimes < ctx.compact &&
      entries === output.length) {
    const start = output.length + ctx.indentationLvl + braces[0].length +
      base.length + 10;
    if (isBelowBreakLength(ctx, output, start, base)) {
      const joined = output.join(', ');
      if (!joined.includes('\n')) {
        return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
      }
    }
  }
  const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
  return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ` +
    `${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
}

// ===========================================================================
// The recursion

function formatValue(ctx, value, recurseTimes, typedArray) {
  if (typeof value !== 'object' && typeof value !== 'function') {
    return formatPrimitive(value, ctx);
  }
  if (value === null) return 'null';

  const context = value;
  const proxyTarget = typeof natives.proxyTarget === 'function'
    ? natives.proxyTarget(value) : undefined;
  if (proxyTarget !== undefined) {
    if (proxyTarget === null) return '<Revoked Proxy>';
    return `Proxy(${formatValue(ctx, proxyTarget, recurseTimes)})`;
  }

  if (ctx.customInspect) {
    const custom = value[Symbol.for('nodejs.util.inspect.custom')];
    if (typeof custom === 'function' &&
        !(value.constructor && value.constructor.prototype === value)) {
      const depth = ctx.depth - recurseTimes;
      const result = custom.call(context, depth, { ...ctx }, inspect);
      if (result !== context) {
        if (typeof result !== 'string') {
          return formatValue(ctx, result, recurseTimes);
        }
        return result.replace(/\n/g, `\n${' '.repeat(ctx.indentationLvl)}`);
      }
    }
  }

  if (ctx.seen.includes(value)) {
    let index = 1;
    if (ctx.circular === undefined) {
      ctx.circular = new Map([[value, index]]);
    } else {
      index = ctx.circular.get(value);
      if (index === undefined) {
        index = ctx.circular.size + 1;
        ctx.circular.set(value, index);
      }
    }
    return `[Circular *${index}]`;
  }

  const hook = value[kInspect];
  if (typeof hook === 'function' &&
      !(value.constructor && value.constructor.prototype === value)) {
    return formatBuiltIn(ctx, value, recurseTimes, hook.call(value));
  }
  return formatRaw(ctx, value, recurseTimes, typedArray);
}

// A dohost built-in class, printed as workerd prints its C++ types:
// "Name(size) { key => value, prop: value, [hidden]: value }".
function formatBuiltIn(ctx, value, recurseTimes, description) {
  const { name, size, entries = [], props = [] } = description;
  const prefix = size === undefined ? name : `${name}(${size})`;
  if (entries.length === 0 && props.length === 0) return `${prefix} {}`;
  if (recurseTimes > ctx.depth) return `[${name}]`;
  recurseTimes += 1;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  const output = [];
  ctx.indentationLvl += 2;
  for (const [key, element] of entries) {
    output.push(`${formatValue(ctx, key, recurseTimes)} => ` +
      formatValue(ctx, element, recurseTimes));
  }
  for (const [key, element, hidden] of props) {
    const string = formatValue(ctx, element, recurseTimes);
    output.push(`${hidden ? `[${key}]` : key}: ${string}`);
  }
  ctx.indentationLvl -= 2;
  let base = '';
  const index = ctx.circular?.get(value);
  if (index !== undefined) base = `<ref *${index}>`;
  ctx.seen.pop();
  return reduceToSingleString(ctx, output, base, [`${prefix} {`, '}'],
    kObjectType, recurseTimes);
}

function formatRaw(ctx, value, recurseTimes, typedArray) {
  const constructor = getConstructorName(value);
  let tag = value[Symbol.toStringTag];
  // A tag that is an own enumerable property is printed as a key anyway.
  if (typeof tag !== 'string' || (tag !== '' && (ctx.showHidden
    ? Object.prototype.hasOwnProperty
    : Object.prototype.propertyIsEnumerable).call(value, Symbol.toStringTag))) {
    tag = '';
  }
  let base = '';
  let formatter = () => [];
  let braces;
  let keys;
  let extrasType = kObjectType;
  let noIterator = true;

  if (Symbol.iterator in value || constructor === null) {
    noIterator = false;
    if (Array.isArray(value)) {
      const prefix = constructor !== 'Array' || tag !== ''
        ? getPrefix(constructor, tag, 'Array', `(${value.length})`) : '';
      keys = getNonIndexKeys(value, ctx.showHidden);
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
    } else if (isSet(value)) {
      const prefix = getPrefix(constructor, tag, 'Set', `(${value.size})`);
      keys = getKeys(value, ctx.showHidden);
      formatter = (c, v, r) => formatSet(c, new Set(Set.prototype.values
        .call(v)), r);
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (isMap(value)) {
      const prefix = getPrefix(constructor, tag, 'Map', `(${value.size})`);
      keys = getKeys(value, ctx.showHidden);
      formatter = (c, v, r) => formatMap(c, new Map(Map.prototype.entries
        .call(v)), r);
      if (value.size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (isTypedArray(value)) {
      keys = getNonIndexKeys(value, ctx.showHidden);
      const fallback = constructor === null ? typedArrayName.call(value) : '';
      const prefix = getPrefix(constructor, tag, fallback,
        `(${value.length})`);
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0 && !ctx.showHidden) {
        return `${braces[0]}]`;
      }
      formatter = formatTypedArray;
      extrasType = kArrayExtrasType;
    } else if (isMapIterator(value) || isSetIterator(value)) {
      keys = getKeys(value, ctx.showHidden);
      const type = isMapIterator(value) ? 'Map' : 'Set';
      braces = iteratorBraces(type, tag);
      formatter = (c, v, r) => formatIterator(c, v, r, braces);
    } else {
      noIterator = true;
    }
  }

  if (noIterator) {
    keys = getKeys(value, ctx.showHidden);
    braces = ['{', '}'];
    if (constructor === 'Object') {
      if (isArguments(value)) {
        braces[0] = '[Arguments] {';
      } else if (tag !== '') {
        braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
      }
      if (keys.length === 0) return `${braces[0]}}`;
    } else if (typeof value === 'function') {
      base = getFunctionBase(value, constructor, tag);
      if (keys.length === 0) return base;
    } else if (isRegExp(value)) {
      base = RegExp.prototype.toString.call(value);
      const prefix = getPrefix(constructor, tag, 'RegExp');
      if (prefix !== 'RegExp ') base = `${prefix}${base}`;
      if (keys.length === 0 || recurseTimes > ctx.depth) return base;
    } else if (isDate(value)) {
      const time = Date.prototype.getTime.call(value);
      base = Number.isNaN(time) ? Date.prototype.toString.call(value)
        : Date.prototype.toISOString.call(value);
      const prefix = getPrefix(constructor, tag, 'Date');
      if (prefix !== 'Date ') base = `${prefix}${base}`;
      if (keys.length === 0) return base;
    } else if (isError(value)) {
      base = formatError(value, constructor, tag, ctx, keys);
      if (keys.length === 0) return base;
    } else if (isArrayBuffer(value) || isSharedArrayBuffer(value)) {
      const type = isArrayBuffer(value) ? 'ArrayBuffer' : 'SharedArrayBuffer';
      const prefix = getPrefix(constructor, tag, type);
      if (typedArray === undefined) {
        formatter = formatArrayBuffer;
      } else if (keys.length === 0) {
        return `${prefix}{ byteLength: ${formatNumber(value.byteLength)} }`;
      }
      braces[0] = `${prefix}{`;
      keys.unshift('byteLength');
    } else if (isDataView(value)) {
      braces[0] = `${getPrefix(constructor, tag, 'DataView')}{`;
      keys.unshift('byteLength', 'byteOffset', 'buffer');
    } else if (isPromise(value)) {
      braces[0] = `${getPrefix(constructor, tag, 'Promise')}{`;
      formatter = formatPromise;
    } else if (isWeakSet(value)) {
      braces[0] = `${getPrefix(constructor, tag, 'WeakSet')}{`;
      formatter = () => ['<items unknown>'];
    } else if (isWeakMap(value)) {
      braces[0] = `${getPrefix(constructor, tag, 'WeakMap')}{`;
      formatter = () => ['<items unknown>'];
    } else if (isBoxedPrimitive(value)) {
      base = getBoxedBase(value, ctx, keys, constructor, tag);
      if (keys.length === 0) return base;
    } else {
      if (keys.length === 0) {
        return `${getPrefix(constructor, tag, 'Object')}{}`;
      }
      braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
    }
  }

  if (recurseTimes > ctx.depth) {
    let name = getPrefix(constructor, tag, 'Object').slice(0, -1);
    if (constructor !== null) name = `[${name}]`;
    return name;
  }
  recurseTimes += 1;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  const indentationLvl = ctx.indentationLvl;
  let output;
  try {
    output = formatter(ctx, value, recurseTimes);
    for (const key of keys) {
      output.push(formatProperty(ctx, value, recurseTimes, key, extrasType));
    }
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // Too deep for the stack: say so instead of failing the log call.
    ctx.seen.pop();
    ctx.indentationLvl = indentationLvl;
    const name = getPrefix(constructor, tag, 'Object').slice(0, -1);
    return `[${name}: Inspection interrupted prematurely. Maximum call ` +
      'stack size exceeded.]';
  }
  const index = ctx.circular?.get(value);
  if (index !== undefined) {
    const reference = `<ref *${index}>`;
    base = base === '' ? reference : `${reference} ${base}`;
  }
  ctx.seen.pop();
  return reduceToSingleString(ctx, output, base, braces, extrasType,
    recurseTimes, value);
}

function iteratorBraces(type, tag) {
  if (tag !== `${type} Iterator`) {
    if (tag !== '') tag += '] [';
    tag += `${type} Iterator`;
  }
  return [`[${tag}] {`, '}'];
}

// ===========================================================================
// Entry points

// Node's util.inspect() with workerd's defaults; options as Node's (depth,
// showHidden, breakLength, compact, maxArrayLength, maxStringLength).
export function inspect(value, options = undefined) {
  const ctx = {
    ...kDefaultOptions,
    ...options,
    seen: [],
    circular: undefined,
    indentationLvl: 0,
    currentDepth: 0,
  };
  if (ctx.depth === null) ctx.depth = Infinity;
  if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
  if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
  return formatValue(ctx, value, 0);
}

// Whether `%s` should print String(value) rather than inspect it: true
// when the object's toString comes from user code.
function hasUserToString(value) {
  if (typeof value.toString !== 'function') return false;
  if (Object.prototype.hasOwnProperty.call(value, 'toString')) return true;
  let pointer = value;
  do {
    pointer = Object.getPrototypeOf(pointer);
  } while (pointer !== null &&
    !Object.prototype.hasOwnProperty.call(pointer, 'toString'));
  if (pointer === null) return false;
  const descriptor = Object.getOwnPropertyDescriptor(pointer, 'constructor');
  return !(descriptor !== undefined &&
    typeof descriptor.value === 'function' &&
    isBuiltIn(descriptor.value.name));
}

function tryStringify(value) {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof TypeError &&
        /circular structure/i.test(String(error.message))) {
      return '[Circular]';
    }
    throw error;
  }
}

// One %-directive of a format string.
function formatDirective(code, arg) {
  switch (code) {
    case 115: // s
      if (typeof arg === 'number') return formatNumber(arg);
      if (typeof arg === 'bigint') return `${arg}n`;
      if (typeof arg !== 'object' || arg === null || hasUserToString(arg)) {
        return String(arg);
      }
      return inspect(arg, { depth: 0 });
    case 106: // j
      return tryStringify(arg);
    case 100: // d
      if (typeof arg === 'bigint') return `${arg}n`;
      if (typeof arg === 'symbol') return 'NaN';
      return formatNumber(Number(arg));
    case 79: // O
      return inspect(arg);
    case 111: // o
      return inspect(arg, { showHidden: true, depth: 4 });
    case 105: // i
      if (typeof arg === 'bigint') return `${arg}n`;
      if (typeof arg === 'symbol') return 'NaN';
      return formatNumber(parseInt(arg));
    case 102: // f
      if (typeof arg === 'symbol') return 'NaN';
      return formatNumber(parseFloat(arg));
    case 99: // c: CSS, ignored
      return '';
    default:
      return undefined;
  }
}

// The line workerd prints for console.log(...args): like Node's
// util.format(), a leading string's %s %d %i %f %j %o %O %c directives
// consume the next arguments; the rest are appended, strings as they are
// and anything else inspected.
export function formatLogArgs(args) {
  const first = args[0];
  let next = 0;
  let out = '';
  let join = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue;
      const code = first.charCodeAt(++i);
      if (next + 1 !== args.length) {
        if (code === 37) {
          out += first.slice(lastPos, i);
          lastPos = i + 1;
          continue;
        }
        const replacement = formatDirective(code, args[next + 1]);
        if (replacement === undefined) continue;
        next++;
        if (lastPos !== i - 1) out += first.slice(lastPos, i - 1);
        out += replacement;
        lastPos = i + 1;
      } else if (code === 37) {
        out += first.slice(lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      next++;
      join = ' ';
      if (lastPos < first.length) out += first.slice(lastPos);
    }
  }
  for (; next < args.length; next++) {
    const value = args[next];
    out += join + (typeof value === 'string' ? value : inspect(value));
    join = ' ';
  }
  return out;
}
