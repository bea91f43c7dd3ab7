// Byte streams that cross to the host: a ReadableStream over a host stream
// (an incoming request body, an outbound response body), and a pump that
// writes a ReadableStream into a host stream (a streamed response, an
// outbound request body), waiting whenever the reader is behind.

import { utf8Encode } from './encoding.js';
import { currentScope } from './scope.js';
import { ReadableStream } from './streams.js';
import { bufferSourceBytes, isBufferSource } from './webidl.js';

let natives = null;

export function initIo(hostNatives) {
  natives = hostNatives;
}

export function ioNatives() {
  return natives;
}

// A byte ReadableStream reading host stream `handle` chunk by chunk.
export function readableFromHost(handle) {
  let done = false;
  return new ReadableStream({
    type: 'bytes',
    pull(controller) {
      return new Promise((resolve, reject) => {
        natives.streamRead(handle, (chunk, error) => {
          if (chunk === undefined) {
            done = true;
            reject(new Error(error));
          } else if (chunk === null) {
            done = true;
            controller.close();
            const request = controller.byobRequest;
            if (request) request.respond(0);
            resolve();
          } else {
            controller.enqueue(chunk);
            resolve();
          }
        });
      });
    },
    cancel(reason) {
      if (done) return;
      done = true;
      natives.streamCancel(handle, `${reason}`);
    },
  });
}

function writeChunk(handle, bytes) {
  return new Promise((resolve) => natives.streamWrite(handle, bytes, resolve));
}

// Copies `stream` into a new host stream and returns its handle at once;
// the copy goes on in the background. `length` is announced when known.
// A chunk that is not bytes is written as text, as workerd does for
// strings.
export function pumpToHost(stream, length = undefined) {
  const handle = natives.streamCreate(length);
  const reader = stream.getReader();
  const copied = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let bytes;
        if (isBufferSource(value)) {
          bytes = bufferSourceBytes(value);
        } else if (typeof value === 'string') {
          bytes = utf8Encode(value);
        } else {
          throw new TypeError('This ReadableStream did not return bytes.');
        }
        if (bytes.length === 0) continue;
        if (!(await writeChunk(handle, bytes))) {
          await reader.cancel(new Error('Network connection lost.'));
          return;
        }
      }
      natives.streamEnd(handle);
    } catch (error) {
      natives.streamFail(handle, `${error}`);
    }
  })();
  // The request stays alive (its timers run) while its body is written.
  currentScope()?.waitUntil(copied);
  return handle;
}
