// The Streams standard: ReadableStream (default and byte streams, BYOB
// readers), WritableStream, TransformStream, the queuing strategies, plus
// TextEncoderStream, TextDecoderStream, CompressionStream and
// DecompressionStream on top of TransformStream.
//
// The core classes are web-streams-polyfill, a packaging of the WHATWG
// reference implementation; this module patches the argument checks whose
// messages workerd words differently, so a Worker sees workerd's text for
// the common mistakes (a locked stream, a released reader, a BYOB reader on
// a default stream). Compression runs in zlib and libbrotli
// (natives.zlib*).

import {
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  ReadableByteStreamController,
  ReadableStream as PolyfillReadableStream,
  ReadableStreamBYOBReader,
  ReadableStreamBYOBRequest,
  ReadableStreamDefaultController,
  ReadableStreamDefaultReader,
  TransformStream,
  TransformStreamDefaultController,
  WritableStream,
  WritableStreamDefaultController,
  WritableStreamDefaultWriter,
} from '../../third_party/npm/node_modules/web-streams-polyfill/dist/ponyfill.mjs';
import { TextDecoder, utf8Encode } from './encoding.js';
import { inspectByGetters, kInspect } from './inspect_hook.js';
import {
  bufferSourceBytes,
  finishInterface,
  illegalInvocation,
  isBufferSource,
  requireNew,
} from './webidl.js';

let natives = null;

export function initStreams(hostNatives) {
  natives = hostNatives;
}

// The ReadableStream constructor checks `type` with workerd's message
// first. It shares its prototype with the polyfill's class, so streams the
// polyfill makes itself (tee branches, a TransformStream's readable side)
// are instances too.
export function ReadableStream() {
  'use strict';
  const args = [...arguments];
  requireNew(new.target, 'ReadableStream');
  const source = args[0];
  if (source !== null && typeof source === 'object' &&
      source.type !== undefined && `${source.type}` !== 'bytes') {
    throw new TypeError(`"${source.type}" is not a valid type of ReadableStream.`);
  }
  return Reflect.construct(PolyfillReadableStream, args, new.target);
}
Object.defineProperty(ReadableStream, 'name', { value: 'ReadableStream' });
ReadableStream.prototype = PolyfillReadableStream.prototype;
Object.defineProperty(ReadableStream.prototype, 'constructor', {
  value: ReadableStream, writable: true, configurable: true,
});
Object.setPrototypeOf(ReadableStream, PolyfillReadableStream);
Object.defineProperty(ReadableStream, 'from', {
  value: PolyfillReadableStream.from, writable: true, enumerable: true,
  configurable: true,
});

// jsg's shape: constructors of length 0, `constructor` listed last.
for (const Class of [
  ByteLengthQueuingStrategy, CountQueuingStrategy,
  ReadableByteStreamController, ReadableStream, ReadableStreamBYOBReader,
  ReadableStreamBYOBRequest, ReadableStreamDefaultController,
  ReadableStreamDefaultReader, TransformStream,
  TransformStreamDefaultController, WritableStream,
  WritableStreamDefaultController, WritableStreamDefaultWriter,
]) {
  Object.defineProperty(Class, 'length', { value: 0 });
  const constructor = Object.getOwnPropertyDescriptor(Class.prototype,
    'constructor');
  delete Class.prototype.constructor;
  Object.defineProperty(Class.prototype, 'constructor', constructor);
}

export {
  ByteLengthQueuingStrategy,
  CountQueuingStrategy,
  ReadableByteStreamController,
  ReadableStreamBYOBReader,
  ReadableStreamBYOBRequest,
  ReadableStreamDefaultController,
  ReadableStreamDefaultReader,
  TransformStream,
  TransformStreamDefaultController,
  WritableStream,
  WritableStreamDefaultController,
  WritableStreamDefaultWriter,
};

// ===========================================================================
// workerd's messages

const kLocked = 'This ReadableStream is currently locked to a reader.';
const kWriterLocked = 'This WritableStream is currently locked to a writer.';
const kReleased = 'This ReadableStream reader has been released.';

function isReadableStream(value) {
  // Most values are no stream: say so before the brand check, which throws
  // (and captures a stack) to say no.
  if (!(value instanceof PolyfillReadableStream)) return false;
  try {
    Reflect.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked')
      .get.call(value);
    return true;
  } catch {
    return false;
  }
}

// True once the stream has been read from or cancelled (the spec's
// [[disturbed]]), which makes a Body that owns it "used".
export function isDisturbed(stream) {
  return stream._disturbed === true;
}

export function isByteStream(stream) {
  return stream._readableStreamController instanceof
    ReadableByteStreamController;
}

function patch(proto, name, wrap) {
  const original = proto[name];
  const descriptor = Object.getOwnPropertyDescriptor(proto, name);
  const replacement = {
    [name](...args) {
      return wrap.call(this, original, args);
    },
  }[name];
  Object.defineProperty(replacement, 'length',
    { value: original.length });
  Object.defineProperty(proto, name, { ...descriptor, value: replacement });
}

const rsProto = ReadableStream.prototype;

patch(rsProto, 'getReader', function (original, args) {
  if (isReadableStream(this)) {
    const options = args[0];
    const mode = options === undefined || options === null ?
      undefined : options.mode;
    if (mode !== undefined && `${mode}` !== 'byob') {
      throw new TypeError(
        "mode must be undefined or 'byob' in call to getReader().");
    }
    if (this.locked) throw new TypeError(kLocked);
    if (mode !== undefined && !isByteStream(this)) {
      throw new TypeError('This ReadableStream does not support BYOB reads.');
    }
  }
  return original.apply(this, args);
});

for (const name of ['cancel', 'pipeTo']) {
  patch(rsProto, name, function (original, args) {
    if (isReadableStream(this) && this.locked) {
      return Promise.reject(new TypeError(kLocked));
    }
    return original.apply(this, args);
  });
}

patch(rsProto, 'pipeThrough', function (original, args) {
  if (isReadableStream(this) && this.locked) throw new TypeError(kLocked);
  return original.apply(this, args);
});

patch(rsProto, 'tee', function (original, args) {
  // workerd's message really ends with a comma here.
  if (isReadableStream(this) && this.locked) {
    throw new TypeError(
      'This ReadableStream is currently locked to a reader,');
  }
  return original.apply(this, args);
});

patch(WritableStream.prototype, 'getWriter', function (original, args) {
  if (this instanceof WritableStream && this.locked) {
    throw new TypeError(kWriterLocked);
  }
  return original.apply(this, args);
});

for (const Reader of [ReadableStreamDefaultReader, ReadableStreamBYOBReader]) {
  patch(Reader.prototype, 'read', function (original, args) {
    if (this instanceof Reader && this._ownerReadableStream === undefined) {
      return Promise.reject(new TypeError(kReleased));
    }
    return original.apply(this, args);
  });
}

for (const [Controller, closedMessage] of [
  [ReadableStreamDefaultController, 'This ReadableStream is closed.'],
  [ReadableByteStreamController, 'This ReadableStream is closed.'],
]) {
  patch(Controller.prototype, 'close', function (original, args) {
    try {
      return original.apply(this, args);
    } catch (error) {
      if (error instanceof TypeError && /close/.test(error.message)) {
        throw new TypeError(closedMessage);
      }
      throw error;
    }
  });
  patch(Controller.prototype, 'enqueue', function (original, args) {
    try {
      return original.apply(this, args);
    } catch (error) {
      if (error instanceof TypeError &&
          /not in a state|closed or draining|in \w+ state/.test(error.message)) {
        throw new TypeError('Unable to enqueue');
      }
      throw error;
    }
  });
}

// A stream over bytes of known length shows [length] as workerd does.
const kKnownLength = Symbol('knownLength');
// Set on the sides of workerd's byte-oriented transforms (compression),
// which it shows as BYOB-capable and byte-expecting.
const kBytesHint = Symbol('bytesHint');

// How console.log shows streams, as workerd prints them.
Object.defineProperty(rsProto, kInspect, {
  value() {
    return {
      name: 'ReadableStream',
      props: [
        ['locked', this.locked],
        ['state', this._state, true],
        ['supportsBYOB', isByteStream(this) || this[kBytesHint] === true,
          true],
        ['length', this[kKnownLength], true],
      ],
    };
  },
});
Object.defineProperty(WritableStream.prototype, kInspect, {
  value() {
    return {
      name: 'WritableStream',
      props: [
        ['locked', this.locked],
        ['state', this._state, true],
        ['expectsBytes', this[kBytesHint] === true, true],
      ],
    };
  },
});
Object.defineProperty(TransformStream.prototype, kInspect, {
  value() {
    return {
      name: 'TransformStream',
      props: [['readable', this.readable], ['writable', this.writable]],
    };
  },
});

// ===========================================================================
// Chunks

function notBufferSource() {
  return new TypeError(
    'This TransformStream is being used as a byte stream, but received a ' +
      'value that is not a BufferSource.',
  );
}

// A copy of a BufferSource chunk's bytes.
function chunkBytes(chunk) {
  if (!isBufferSource(chunk)) throw notBufferSource();
  return bufferSourceBytes(chunk).slice();
}

// Finishes a class with `readable` and `writable` getters over a private
// TransformStream, as the spec's GenericTransformStream mixin does, and
// gives it the tag, property shape and console rendering of a Web IDL
// interface.
function finishTransformInterface(Class, check) {
  Object.defineProperties(Class.prototype, {
    readable: {
      get() {
        return check(this).readable;
      },
      enumerable: true,
      configurable: true,
    },
    writable: {
      get() {
        return check(this).writable;
      },
      enumerable: true,
      configurable: true,
    },
  });
  Object.defineProperty(Class.prototype, Symbol.toStringTag, {
    value: Class.name,
    configurable: true,
  });
  finishInterface(Class);
  inspectByGetters(Class);
}

// ===========================================================================
// TextEncoderStream, TextDecoderStream

let encoderStreamOf;

export class TextEncoderStream {
  #transform;

  constructor() {
    requireNew(new.target, 'TextEncoderStream');
    // A lone high surrogate at the end of a chunk waits for the next one.
    let pending = '';
    this.#transform = new TransformStream({
      transform(chunk, controller) {
        let text = pending + `${chunk}`;
        pending = '';
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pending = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text.length > 0) controller.enqueue(utf8Encode(text));
      },
      flush(controller) {
        if (pending !== '') controller.enqueue(utf8Encode(pending));
      },
    }, undefined, kEager);
  }

  static {
    encoderStreamOf = (self) => {
      if (!(self instanceof Object) || !(#transform in self)) {
        throw illegalInvocation();
      }
      return self.#transform;
    };
  }

  get encoding() {
    encoderStreamOf(this);
    return 'utf-8';
  }
}

finishTransformInterface(TextEncoderStream, (self) => encoderStreamOf(self));

let decoderStreamOf;
let decoderTransformOf;

export class TextDecoderStream {
  #transform;
  #decoder;

  constructor(label = 'utf-8', options = undefined) {
    requireNew(new.target, 'TextDecoderStream');
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    this.#transform = new TransformStream({
      transform(chunk, controller) {
        if (!isBufferSource(chunk)) throw notBufferSource();
        const text = decoder.decode(chunk, { stream: true });
        if (text !== '') controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text !== '') controller.enqueue(text);
      },
    }, undefined, kEager);
  }

  static {
    decoderStreamOf = (self) => {
      if (!(self instanceof Object) || !(#transform in self)) {
        throw illegalInvocation();
      }
      return self;
    };
    decoderTransformOf = (self) => decoderStreamOf(self).#transform;
  }

  get encoding() {
    return decoderStreamOf(this).#decoder.encoding;
  }

  get fatal() {
    return decoderStreamOf(this).#decoder.fatal;
  }

  get ignoreBOM() {
    return decoderStreamOf(this).#decoder.ignoreBOM;
  }
}

finishTransformInterface(TextDecoderStream, (self) => decoderTransformOf(self));

// ===========================================================================
// CompressionStream, DecompressionStream

const kFormats = new Set(['gzip', 'deflate', 'deflate-raw', 'brotli']);

// workerd's messages, by the failure code of natives.zlibPush.
const kZlibFailures = [
  'Decompression failed.',
  'Decompression failed.',
  'Called close() on a decompression stream with incomplete data',
  'Trailing bytes after end of compressed data',
];

function checkFormat(iface, args) {
  if (args.length < 1) {
    throw new TypeError(
      `Failed to construct '${iface}': constructor parameter 1 is not of ` +
        "type 'string'.",
    );
  }
  const format = `${args[0]}`;
  if (!kFormats.has(format)) {
    throw new TypeError(
      `The compression format must be either 'deflate', 'deflate-raw', ` +
        `'gzip' or 'brotli'.`,
    );
  }
  return format;
}

// workerd's encoding and compression streams take a write at once, with or
// without a reader; a TransformStream does that when its readable side
// holds a chunk.
const kEager = { highWaterMark: 1 };

// A TransformStream that pushes every chunk through a zlib stream.
function zlibTransform(format, compress) {
  let handle = null;
  const markBytes = (transform) => {
    transform.writable[kBytesHint] = true;
    transform.readable[kBytesHint] = true;
    return transform;
  };
  const push = (bytes, finish, controller) => {
    const out = natives.zlibPush(handle, bytes, finish);
    if (typeof out === 'number') throw new TypeError(kZlibFailures[out]);
    if (out.length > 0) controller.enqueue(out);
  };
  return markBytes(new TransformStream({
    start() {
      handle = natives.zlibCreate(format, compress);
    },
    transform(chunk, controller) {
      push(chunkBytes(chunk), false, controller);
    },
    flush(controller) {
      push(new Uint8Array(0), true, controller);
    },
  }, undefined, kEager));
}

let compressionOf;

export class CompressionStream {
  #transform;

  constructor(...args) {
    requireNew(new.target, 'CompressionStream');
    this.#transform = zlibTransform(
      checkFormat('CompressionStream', args), true);
  }

  static {
    compressionOf = (self) => {
      if (!(self instanceof Object) || !(#transform in self)) {
        throw illegalInvocation();
      }
      return self.#transform;
    };
  }
}

finishTransformInterface(CompressionStream, (self) => compressionOf(self));

let decompressionOf;

export class DecompressionStream {
  #transform;

  constructor(...args) {
    requireNew(new.target, 'DecompressionStream');
    this.#transform = zlibTransform(
      checkFormat('DecompressionStream', args), false);
  }

  static {
    decompressionOf = (self) => {
      if (!(self instanceof Object) || !(#transform in self)) {
        throw illegalInvocation();
      }
      return self.#transform;
    };
  }
}

finishTransformInterface(DecompressionStream, (self) => decompressionOf(self));

// ===========================================================================
// Helpers for Body and the host

// A byte stream that yields `bytes` as one chunk, then closes.
export function streamOfBytes(bytes) {
  const stream = new ReadableStream({
    type: 'bytes',
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes.slice());
      controller.close();
    },
  });
  stream[kKnownLength] = BigInt(bytes.length);
  return stream;
}

export { isReadableStream };

// ===========================================================================
// workerd's own transform streams

// Passes byte chunks through unchanged.
export class IdentityTransformStream extends TransformStream {
  constructor(options = undefined) {
    requireNew(new.target, 'IdentityTransformStream');
    super({
      transform(chunk, controller) {
        controller.enqueue(chunkBytes(chunk));
      },
    });
  }
}

Object.defineProperty(IdentityTransformStream.prototype, Symbol.toStringTag, {
  value: 'IdentityTransformStream',
  configurable: true,
});

// An identity transform that must carry exactly `expectedLength` bytes.
export class FixedLengthStream extends TransformStream {
  constructor(...args) {
    requireNew(new.target, 'FixedLengthStream');
    const expected = Number(args[0]);
    if (args.length < 1 || !Number.isSafeInteger(expected) || expected < 0) {
      throw new TypeError(
        "Failed to construct 'FixedLengthStream': constructor parameter 1 " +
          "is not of type 'uint64_t'.",
      );
    }
    let seen = 0;
    super({
      transform(chunk, controller) {
        const bytes = chunkBytes(chunk);
        seen += bytes.length;
        if (seen > expected) {
          throw new TypeError(
            'Attempt to write too many bytes through a FixedLengthStream.');
        }
        controller.enqueue(bytes);
      },
      flush() {
        if (seen < expected) {
          throw new TypeError(
            'FixedLengthStream did not see all expected bytes before close().');
        }
      },
    });
  }
}

Object.defineProperty(FixedLengthStream.prototype, Symbol.toStringTag, {
  value: 'FixedLengthStream',
  configurable: true,
});
