// node:buffer on the `buffer` npm package (Node's Buffer for bundlers),
// with the module's other exports taken from the global scope.

import { Blob, File } from '../web/blob.js';
import { atob, btoa } from '../web/encoding.js';
import { moduleExports } from './module_table.js';

// The package is loaded on first use, so Workers without nodejs_compat
// do not pay for it when an isolate starts.
let bufferPackage = null;

export function getBuffer() {
  bufferPackage ??= require('buffer');
  return bufferPackage.Buffer;
}

// V8's limit on a string's length.
const kStringMaxLength = 2 ** 29 - 24;

function isUtf8(input) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(input);
    return true;
  } catch {
    return false;
  }
}

function isAscii(input) {
  const bytes = ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
  for (const byte of bytes) if (byte > 0x7f) return false;
  return true;
}

function transcode() {
  // TODO(conform): buffer.transcode() between encodings; throws instead.
  throw new Error('buffer.transcode() is not supported by dohost');
}

export function bufferModule() {
  getBuffer();
  const { Buffer, SlowBuffer, INSPECT_MAX_BYTES, kMaxLength } = bufferPackage;
  return moduleExports({
    atob,
    btoa,
    constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: kStringMaxLength },
    kMaxLength,
    kStringMaxLength,
    Blob,
    Buffer,
    File,
    SlowBuffer,
    isAscii,
    isUtf8,
    transcode,
    INSPECT_MAX_BYTES,
    resolveObjectURL: () => undefined,
  });
}
