// Body, the shared base of Request and Response (workerd exposes it as a
// global class of that name): extracting a body from a BodyInit, the
// Content-Type it implies, and reading it once with text(), json(),
// arrayBuffer() or bytes().
//
// A body is held as bytes (a Uint8Array nobody else writes to) or as a
// stream, meaning any object with getReader(), such as the ReadableStream
// another module will provide. `body` returns a BodyStream over the bytes:
// a small stand-in for ReadableStream with getReader(), cancel(), locked
// and async iteration, until the real one exists.
// TODO(compat): Blob and FormData bodies and blob()/formData() are missing;
// a Blob or FormData is turned into a string as any other object is.

import { utf8Decode, utf8Encode } from './encoding.js';
import { kInspect } from './inspect_hook.js';
import { searchParamsToString, URLSearchParams } from './url.js';
import {
  bufferSourceBytes,
  finishInterface,
  illegalInvocation,
  isBufferSource,
} from './webidl.js';

const kBodyUsed =
  'Body has already been used. It can only be used once. Use tee() first ' +
  'if you need to read it twice.';
const kLocked = 'This ReadableStream is currently locked to a reader.';
// workerd's message really ends with a comma when a used body is cloned.
const kLockedClone = 'This ReadableStream is currently locked to a reader,';

// ===========================================================================
// BodyStream

// A readable stream over fixed bytes, handing them out as one chunk.
export class BodyStream {
  #bytes;
  #reader = null;
  #done = false;
  #onDisturb;

  constructor(bytes, onDisturb) {
    this.#bytes = bytes;
    this.#onDisturb = onDisturb;
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#bytes in self)) {
      throw illegalInvocation();
    }
  }

  get locked() {
    BodyStream.#check(this);
    return this.#reader !== null;
  }

  getReader() {
    BodyStream.#check(this);
    if (this.#reader !== null) throw new TypeError(kLocked);
    this.#reader = new BodyStreamReader(this);
    return this.#reader;
  }

  cancel() {
    BodyStream.#check(this);
    if (this.#reader !== null) {
      return Promise.reject(new TypeError(kLocked));
    }
    this.#finish();
    return Promise.resolve();
  }

  async *[Symbol.asyncIterator]() {
    const reader = this.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  }

  // Takes the remaining bytes without a reader (Body's read methods).
  take() {
    this.#onDisturb();
    if (this.#done) return new Uint8Array(0);
    this.#finish();
    return this.#bytes;
  }

  // Locks the stream for good, as a finished read does on workerd.
  lockForever() {
    if (this.#reader === null) this.#reader = true;
  }

  read() {
    this.#onDisturb();
    if (this.#done || this.#bytes.length === 0) {
      this.#finish();
      return { value: undefined, done: true };
    }
    this.#finish();
    return { value: this.#bytes.slice(), done: false };
  }

  release() {
    this.#reader = null;
  }

  remaining() {
    return this.#done ? 0 : this.#bytes.length;
  }

  #finish() {
    this.#done = true;
  }

  [kInspect]() {
    return {
      name: 'ReadableStream',
      props: [
        ['locked', this.#reader !== null],
        ['state', this.#done ? 'closed' : 'readable', true],
        ['supportsBYOB', true, true],
        ['length', BigInt(this.remaining()), true],
      ],
    };
  }
}

Object.defineProperty(BodyStream.prototype, Symbol.toStringTag, {
  value: 'ReadableStream',
  configurable: true,
});

class BodyStreamReader {
  #stream;

  constructor(stream) {
    this.#stream = stream;
  }

  get closed() {
    return Promise.resolve(undefined);
  }

  read() {
    if (this.#stream === null) {
      return Promise.reject(
        new TypeError('This ReadableStream reader has been released.'),
      );
    }
    return Promise.resolve(this.#stream.read());
  }

  releaseLock() {
    if (this.#stream === null) return;
    this.#stream.release();
    this.#stream = null;
  }

  cancel() {
    if (this.#stream !== null) this.#stream.take();
    return Promise.resolve();
  }
}

// ===========================================================================
// Extracting a body

function isStream(value) {
  return value !== null && typeof value === 'object' &&
    typeof value.getReader === 'function';
}

// The spec's "extract a body": returns { source, contentType }, where
// source is null, a Uint8Array or a stream.
export function extractBody(init) {
  if (init === undefined || init === null) {
    return { source: null, contentType: null };
  }
  if (typeof init === 'string') {
    return { source: utf8Encode(init), contentType: kTextPlain };
  }
  if (isBufferSource(init)) {
    return { source: bufferSourceBytes(init).slice(), contentType: null };
  }
  if (init instanceof URLSearchParams) {
    return {
      source: utf8Encode(searchParamsToString(init)),
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  }
  if (isStream(init)) return { source: init, contentType: null };
  return { source: utf8Encode(`${init}`), contentType: kTextPlain };
}

const kTextPlain = 'text/plain;charset=UTF-8';

// True when the body has content: a stream, or at least one byte. workerd
// lets '' and empty buffers through where a null body is required.
export function bodyHasContent(source) {
  return source !== null && (!(source instanceof Uint8Array) ||
    source.length > 0);
}

// Reads a stream source to the end, as bytes.
async function readStream(stream) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!isBufferSource(value)) {
      throw new TypeError('This ReadableStream did not return bytes.');
    }
    const bytes = bufferSourceBytes(value);
    chunks.push(bytes);
    total += bytes.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

// ===========================================================================
// Body

const kConstruct = Symbol('Body');

let bodyState;

export class Body {
  #source = null;
  #used = false;
  #stream = null;

  constructor(token = undefined, source = null) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    this.#source = source;
  }

  static {
    bodyState = (body) => body.#stateFor();
  }

  static #check(self) {
    if (!(self instanceof Object) || !(#source in self)) {
      throw illegalInvocation();
    }
  }

  // Internal access for Request, Response and the host functions.
  #stateFor() {
    return {
      source: () => this.#source,
      used: () => this.#isUsed(),
      markUsed: () => {
        this.#used = true;
      },
      locked: () => this.#isLocked(),
      takeBytes: () => this.#takeBytes(),
      tee: () => this.#tee(),
    };
  }

  get body() {
    Body.#check(this);
    if (this.#source === null) return null;
    if (!(this.#source instanceof Uint8Array)) return this.#source;
    if (this.#stream === null) {
      this.#stream = new BodyStream(this.#source, () => {
        this.#used = true;
      });
      if (this.#used) this.#stream.lockForever();
    }
    return this.#stream;
  }

  get bodyUsed() {
    Body.#check(this);
    return this.#isUsed();
  }

  arrayBuffer() {
    return Body.#read(this, (bytes) => {
      const buffer = new ArrayBuffer(bytes.length);
      new Uint8Array(buffer).set(bytes);
      return buffer;
    });
  }

  bytes() {
    return Body.#read(this, (bytes) => bytes.slice());
  }

  text() {
    return Body.#read(this, utf8Decode);
  }

  json() {
    return Body.#read(this, (bytes) => JSON.parse(utf8Decode(bytes)));
  }

  #isUsed() {
    if (this.#used) return true;
    const source = this.#source;
    return source !== null && !(source instanceof Uint8Array) &&
      source.bodyUsed === true;
  }

  #isLocked() {
    const source = this.#source;
    if (source === null) return false;
    if (source instanceof Uint8Array) {
      return this.#stream !== null && this.#stream.locked;
    }
    return source.locked === true;
  }

  // The checks are made now and the body marked used before any await, so
  // a second read started in the same tick fails, as on workerd.
  // Static, so that a wrong `this` reaches #check rather than failing on
  // a private method call with V8's own message.
  static #read(self, convert) {
    try {
      Body.#check(self);
    } catch (error) {
      return Promise.reject(error);
    }
    if (self.#isUsed()) return Promise.reject(new TypeError(kBodyUsed));
    if (self.#isLocked()) return Promise.reject(new TypeError(kLocked));
    if (self.#source === null) {
      return Promise.resolve().then(() => convert(new Uint8Array(0)));
    }
    return self.#takeBytes().then(convert);
  }

  async #takeBytes() {
    const source = this.#source;
    this.#used = true;
    if (source === null) return null;
    if (source instanceof Uint8Array) {
      if (this.#stream === null) return source;
      const bytes = this.#stream.take();
      this.#stream.lockForever();
      return bytes;
    }
    return readStream(source);
  }

  // Splits the body in two for clone(): this body keeps one branch and
  // the returned source is the other.
  #tee() {
    if (this.#isUsed() || this.#isLocked()) {
      throw new TypeError(kLockedClone);
    }
    const source = this.#source;
    if (source === null || source instanceof Uint8Array) return source;
    if (typeof source.tee !== 'function') {
      throw new TypeError(
        'dohost cannot clone a body whose stream has no tee() method.',
      );
    }
    const [mine, theirs] = source.tee();
    this.#source = mine;
    return theirs;
  }
}

finishInterface(Body);

// Construction token and internal access, for request.js and response.js.
export const kBodyConstruct = kConstruct;

export function getBodyState(body) {
  return bodyState(body);
}
