// node:stream, stream/promises and stream/consumers: pipelines of
// Readable, Transform and Writable, as workerd runs them.
import { Readable, Transform, Writable, PassThrough, pipeline, finished } from 'node:stream';
import stream from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { text } from 'node:stream/consumers';

export default { async fetch() {
  const upper = () => new Transform({ transform(chunk, enc, cb) { cb(null, String(chunk).toUpperCase()); } });
  const got = [];
  await pipelineAsync(Readable.from(['a', 'b', 'c']), upper(), new Writable({ write(chunk, enc, cb) { got.push(String(chunk)); cb(); } }));
  const viaCallback = await new Promise((resolve) => {
    const out = [];
    pipeline(Readable.from(['x', 'y']), upper(), new Writable({ write(c, e, cb) { out.push(String(c)); cb(); } }), (err) => resolve(err ? err.message : out));
  });
  const pt = new PassThrough(); pt.end('hello');
  const consumed = await text(pt);
  const objects = await Readable.from([{ a: 1 }, { a: 2 }]).map((o) => o.a * 10).toArray();
  const errored = await new Promise((resolve) => {
    const r = new Readable({ read() { this.destroy(new Error('bad read')); } });
    finished(r, (err) => resolve(err?.message));
    r.resume();
  });
  return Response.json({ got, viaCallback, consumed, objects, errored, isStream: new PassThrough() instanceof stream.Stream,
    keys: ['Readable', 'Writable', 'Duplex', 'Transform', 'PassThrough', 'pipeline', 'finished', 'Stream', 'addAbortSignal'].map((k) => typeof stream[k]) });
}};
