// Body, the shared base of Request and Response (workerd exposes it as a
// global class of that name): extracting a body from a BodyInit, the
// Content-Type it implies, and reading it once with text(), json(),
// arrayBuffer() or bytes().
//
// A body is held as bytes (a Uint8Array nobody else writes to) or as a
// ReadableStream. Bytes stay bytes until someone asks for `body`, which
// turns them into a byte stream (BYOB readers work) that then is the body.
//
// The host's hook for "the body as a stream of chunks" is bodyStream():
// the ReadableStream of any Request or Response (null when it has none).

import {
  Blob,
  bytesOfBlob,
  encodeFormData,
  FormData,
  parseFormData,
} from './blob.js';
import { utf8Decode, utf8Encode } from './encoding.js';
import {
  isDisturbed,
  isReadableStream,
  streamOfBytes,
} from './streams.js';
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
// Extracting a body

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
  if (isReadableStream(init)) return { source: init, contentType: null };
  if (init instanceof Blob) {
    return { source: bytesOfBlob(init).slice(),
      contentType: init.type === '' ? null : init.type };
  }
  if (init instanceof FormData) {
    const { bytes, contentType } = encodeFormData(init, randomHex);
    return { source: bytes, contentType };
  }
  return { source: utf8Encode(`${init}`), contentType: kTextPlain };
}

const kTextPlain = 'text/plain;charset=UTF-8';

// A multipart boundary only needs to be unlikely to appear in the data.
function randomHex() {
  let out = '';
  for (let i = 0; i < 4; i++) {
    out += Math.floor(Math.random() * 0x100000000).toString(16)
      .padStart(8, '0');
  }
  return out;
}

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
      const error = new TypeError('This ReadableStream did not return bytes.');
      reader.cancel(error).catch(() => {});
      throw error;
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
  // null, a Uint8Array or a ReadableStream.
  #source = null;
  // Read through text(), json()... while still bytes.
  #used = false;

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
      stream: () => this.#stream(),
    };
  }

  get body() {
    Body.#check(this);
    return this.#stream();
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

  formData() {
    const type = Body.#contentType(this);
    return Body.#read(this,
      (bytes) => parseFormData(bytes, type, URLSearchParams));
  }

  blob() {
    const type = Body.#contentType(this);
    return Body.#read(this, (bytes) => new Blob([bytes], { type }));
  }

  static #contentType(self) {
    try {
      return self.headers.get('content-type') ?? '';
    } catch {
      return '';
    }
  }

  // The body as a stream, made from the bytes the first time. A body
  // already read as bytes gives a stream that is locked for good.
  #stream() {
    const source = this.#source;
    if (source === null || isReadableStream(source)) return source;
    const stream = streamOfBytes(this.#used ? new Uint8Array(0) : source);
    if (this.#used) stream.getReader();
    this.#source = stream;
    return stream;
  }

  #isUsed() {
    if (this.#used) return true;
    const source = this.#source;
    return isReadableStream(source) && isDisturbed(source);
  }

  #isLocked() {
    const source = this.#source;
    return isReadableStream(source) && source.locked;
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
    if (source instanceof Uint8Array) return source;
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

// The host's hook: the body of a Request or Response as a ReadableStream
// of byte chunks (null when it has none). Reading it marks the body used.
export function bodyStream(body) {
  return bodyState(body).stream();
}
