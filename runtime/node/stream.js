// node:stream, node:stream/promises and node:stream/consumers on the
// `readable-stream` npm package (Node's streams, packaged for bundlers).
// The package is loaded on first import.

import { moduleExports } from './module_table.js';

function streams() {
  return require('readable-stream/lib/ours/browser.js');
}

export function streamModule() {
  const Stream = streams();
  const named = {};
  for (const key of Object.keys(Stream)) named[key] = Stream[key];
  named.Stream = Stream.Stream ?? Stream;
  return { ...named, default: Stream };
}

export function streamPromisesModule() {
  const { promises } = streams();
  return moduleExports({
    pipeline: promises.pipeline,
    finished: promises.finished,
  });
}

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

export function streamConsumersModule(getBuffer) {
  const toBuffer = (chunks) => {
    const Buffer = getBuffer();
    return Buffer.concat(chunks.map((chunk) =>
      (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)));
  };
  return moduleExports({
    arrayBuffer: async (stream) => {
      const bytes = toBuffer(await collect(stream));
      return bytes.buffer.slice(bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength);
    },
    blob: async (stream) => new Blob(await collect(stream)),
    buffer: async (stream) => toBuffer(await collect(stream)),
    json: async (stream) => JSON.parse(toBuffer(await collect(stream))
      .toString()),
    text: async (stream) => toBuffer(await collect(stream)).toString(),
  });
}
