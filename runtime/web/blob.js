// Blob, File and FormData, and the multipart/form-data encoding and
// parsing that Request and Response bodies use for FormData.

import { utf8Decode, utf8Encode } from './encoding.js';
import { inspectByGetters, kInspect } from './inspect_hook.js';
import { streamOfBytes } from './streams.js';
import {
  bufferSourceBytes,
  EntryIterator,
  finishInterface,
  illegalInvocation,
  isBufferSource,
  KeyIterator,
  listIterator,
  requireArgs,
  requireNew,
  toUSVString,
  ValueIterator,
  wrongConstructorArg,
} from './webidl.js';

// ===========================================================================
// Blob

let blobBytes;

// A type is kept lower-cased when it is printable ASCII, else dropped.
function normalizeType(type) {
  type = `${type}`;
  return /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : '';
}

function concat(parts) {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function partsBytes(parts, iface) {
  if (parts === undefined) return new Uint8Array(0);
  if (parts === null || typeof parts !== 'object' ||
      typeof parts[Symbol.iterator] !== 'function') {
    throw wrongConstructorArg(iface, 1,
      'Array');
  }
  const chunks = [];
  for (const part of parts) {
    if (part instanceof Blob) {
      chunks.push(blobBytes(part));
    } else if (isBufferSource(part)) {
      chunks.push(bufferSourceBytes(part).slice());
    } else {
      chunks.push(utf8Encode(toUSVString(part)));
    }
  }
  return concat(chunks);
}

export class Blob {
  #bytes;
  #type;

  constructor(parts = undefined, options = undefined) {
    requireNew(new.target, 'Blob');
    this.#bytes = partsBytes(parts, 'Blob');
    this.#type = normalizeType(options?.type ?? '');
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#bytes in self)) {
      throw illegalInvocation();
    }
    return self;
  }

  static {
    blobBytes = (blob) => Blob.#check(blob).#bytes;
  }

  get size() {
    return Blob.#check(this).#bytes.length;
  }

  get type() {
    return Blob.#check(this).#type;
  }

  slice(start = undefined, end = undefined, contentType = undefined) {
    const bytes = Blob.#check(this).#bytes;
    const clamp = (value, fallback) => {
      if (value === undefined) return fallback;
      const n = Math.trunc(Number(value)) || 0;
      return n < 0 ? Math.max(bytes.length + n, 0) : Math.min(n, bytes.length);
    };
    const from = clamp(start, 0);
    const to = Math.max(clamp(end, bytes.length), from);
    const blob = new Blob([bytes.subarray(from, to)]);
    blob.#type = contentType === undefined ? '' : normalizeType(contentType);
    return blob;
  }

  arrayBuffer() {
    try {
      return Promise.resolve(Blob.#check(this).#bytes.slice().buffer);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  bytes() {
    try {
      return Promise.resolve(Blob.#check(this).#bytes.slice());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  text() {
    try {
      return Promise.resolve(utf8Decode(Blob.#check(this).#bytes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  stream() {
    return streamOfBytes(Blob.#check(this).#bytes);
  }
}

Object.defineProperty(Blob.prototype, Symbol.toStringTag, {
  value: 'Blob',
  configurable: true,
});
finishInterface(Blob);
inspectByGetters(Blob);

export function bytesOfBlob(blob) {
  return blobBytes(blob);
}

export class File extends Blob {
  #name;
  #lastModified;

  constructor(...args) {
    requireNew(new.target, 'File');
    if (args.length < 2) {
      throw wrongConstructorArg('File', args.length + 1,
        args.length === 0 ? 'Array' : 'string');
    }
    super(args[0], args[2]);
    this.#name = toUSVString(args[1]);
    const lastModified = args[2]?.lastModified;
    this.#lastModified = lastModified === undefined ? Date.now() :
      Math.trunc(Number(lastModified)) || 0;
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#name in self)) {
      throw illegalInvocation();
    }
    return self;
  }

  get name() {
    return File.#check(this).#name;
  }

  get lastModified() {
    return File.#check(this).#lastModified;
  }
}

Object.defineProperty(File.prototype, Symbol.toStringTag, {
  value: 'File',
  configurable: true,
});
finishInterface(File);
inspectByGetters(File);

// ===========================================================================
// FormData

let formEntries;

// An entry value: a string, or a File (a Blob becomes a File named after
// the entry, as workerd names it, or the given file name).
function entryValue(name, value, filename) {
  if (value instanceof Blob) {
    if (value instanceof File && filename === undefined) return value;
    return new File([value], filename === undefined ? (value instanceof File ?
      value.name : name) : toUSVString(filename), { type: value.type,
      lastModified: value instanceof File ? value.lastModified : undefined });
  }
  return toUSVString(value);
}

export class FormData {
  #entries = [];

  constructor(form = undefined) {
    requireNew(new.target, 'FormData');
    if (form !== undefined) {
      throw new TypeError(
        "Failed to construct 'FormData': constructor parameter 1 is not of " +
          "type 'undefined'.");
    }
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#entries in self)) {
      throw illegalInvocation();
    }
    return self;
  }

  static {
    formEntries = (form) => FormData.#check(form).#entries;
  }

  append(name, value, filename = undefined) {
    const self = FormData.#check(this);
    requireArgs(arguments, 2, 'append', 'FormData',
      ['string', 'File or Blob or string']);
    name = toUSVString(name);
    self.#entries.push([name, entryValue(name, value, filename)]);
  }

  delete(name) {
    const self = FormData.#check(this);
    requireArgs(arguments, 1, 'delete', 'FormData', ['string']);
    name = toUSVString(name);
    self.#entries = self.#entries.filter(([key]) => key !== name);
  }

  get(name) {
    const self = FormData.#check(this);
    requireArgs(arguments, 1, 'get', 'FormData', ['string']);
    name = toUSVString(name);
    const entry = self.#entries.find(([key]) => key === name);
    return entry === undefined ? null : entry[1];
  }

  getAll(name) {
    const self = FormData.#check(this);
    requireArgs(arguments, 1, 'getAll', 'FormData', ['string']);
    name = toUSVString(name);
    return self.#entries.filter(([key]) => key === name).map(([, v]) => v);
  }

  has(name) {
    const self = FormData.#check(this);
    requireArgs(arguments, 1, 'has', 'FormData', ['string']);
    name = toUSVString(name);
    return self.#entries.some(([key]) => key === name);
  }

  set(name, value, filename = undefined) {
    const self = FormData.#check(this);
    requireArgs(arguments, 2, 'set', 'FormData',
      ['string', 'File or Blob or string']);
    name = toUSVString(name);
    const entry = [name, entryValue(name, value, filename)];
    const index = self.#entries.findIndex(([key]) => key === name);
    if (index < 0) {
      self.#entries.push(entry);
      return;
    }
    self.#entries[index] = entry;
    self.#entries = self.#entries.filter(([key], i) => key !== name ||
      i <= index);
  }

  entries() {
    const self = FormData.#check(this);
    return listIterator(EntryIterator, () => self.#entries,
      ([key, value]) => [key, value]);
  }

  keys() {
    const self = FormData.#check(this);
    return listIterator(KeyIterator, () => self.#entries, ([key]) => key);
  }

  values() {
    const self = FormData.#check(this);
    return listIterator(ValueIterator, () => self.#entries,
      ([, value]) => value);
  }

  forEach(callback, thisArg = undefined) {
    const self = FormData.#check(this);
    if (typeof callback !== 'function') {
      throw new TypeError(
        "Failed to execute 'forEach' on 'FormData': parameter 1 is not of " +
          "type 'Function'.");
    }
    for (const [key, value] of [...self.#entries]) {
      callback.call(thisArg, value, key, this);
    }
  }

  [Symbol.iterator]() {
    return this.entries();
  }
}

Object.defineProperty(FormData.prototype, Symbol.toStringTag, {
  value: 'FormData',
  configurable: true,
});
finishInterface(FormData);
Object.defineProperty(FormData.prototype, kInspect, {
  value() {
    const entries = formEntries(this);
    return { name: 'FormData', size: entries.length, entries };
  },
});

// ===========================================================================
// multipart/form-data

function escapeName(name) {
  return name.replace(/\r\n|\r|\n/g, '\r\n').replace(/"/g, '%22')
    .replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

// The bytes of `form` as multipart/form-data and the Content-Type naming
// the boundary.
export function encodeFormData(form, randomHex) {
  const boundary = `----dohost${randomHex()}`;
  const parts = [];
  for (const [name, value] of formEntries(form)) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="` +
      `${escapeName(name)}"`;
    if (typeof value === 'string') {
      parts.push(utf8Encode(`${head}\r\n\r\n`), utf8Encode(value),
        utf8Encode('\r\n'));
    } else {
      head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ` +
        `${value.type || 'application/octet-stream'}\r\n\r\n`;
      parts.push(utf8Encode(head), blobBytes(value), utf8Encode('\r\n'));
    }
  }
  parts.push(utf8Encode(`--${boundary}--\r\n`));
  return {
    bytes: concat(parts),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

const kUnrecognized =
  'Unrecognized Content-Type header value. FormData can only parse the ' +
  'following MIME types: multipart/form-data, ' +
  'application/x-www-form-urlencoded';

function indexOf(haystack, needle, from) {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

function parameter(header, name) {
  const match = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]*)`, 'i')
    .exec(header);
  if (match === null) return null;
  return match[2] ?? match[1];
}

// Parses a body as FormData, given its Content-Type.
export function parseFormData(bytes, contentType, URLSearchParams) {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const form = new FormData();
  if (type === 'application/x-www-form-urlencoded') {
    for (const [key, value] of new URLSearchParams(utf8Decode(bytes))) {
      form.append(key, value);
    }
    return form;
  }
  if (type !== 'multipart/form-data') throw new TypeError(kUnrecognized);
  const boundary = parameter(contentType, 'boundary');
  if (boundary === null || boundary === '') {
    throw new TypeError('No boundary string in Content-Type header. The ' +
      'multipart/form-data MIME type requires a boundary parameter.');
  }
  const delimiter = utf8Encode(`--${boundary}`);
  const malformed = () => new TypeError(
    'Failed to parse body as FormData.');
  let position = indexOf(bytes, delimiter, 0);
  if (position < 0) throw malformed();
  for (;;) {
    position += delimiter.length;
    if (bytes[position] === 0x2d && bytes[position + 1] === 0x2d) break;
    if (bytes[position] === 0x0d) position += 2;
    const headerEnd = indexOf(bytes, utf8Encode('\r\n\r\n'), position);
    if (headerEnd < 0) throw malformed();
    const headers = utf8Decode(bytes.subarray(position, headerEnd));
    const next = indexOf(bytes, utf8Encode(`\r\n--${boundary}`), headerEnd + 4);
    if (next < 0) throw malformed();
    const content = bytes.slice(headerEnd + 4, next);
    let disposition = '';
    let partType = '';
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') disposition = value;
      if (key === 'content-type') partType = value;
    }
    const name = parameter(disposition, 'name');
    if (name === null) throw malformed();
    const filename = parameter(disposition, 'filename');
    if (filename === null) {
      form.append(name, utf8Decode(content));
    } else {
      form.append(name, new File([content], filename, { type: partType }));
    }
    position = next + 2;
  }
  return form;
}
