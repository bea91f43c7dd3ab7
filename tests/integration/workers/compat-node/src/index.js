// The Node.js modules of nodejs_compat, imported directly (no npm package is
// vendored): exact values and messages as workerd gives them.
import { Buffer } from 'node:buffer';
import EventEmitter, { once } from 'node:events';
import util, { promisify, inspect, types, format } from 'node:util';
import assert from 'node:assert';
import path from 'node:path';
import process from 'node:process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { StringDecoder } from 'node:string_decoder';
import { URL as NodeURL, fileURLToPath, pathToFileURL } from 'node:url';
import querystring from 'node:querystring';
import crypto from 'node:crypto';
import { setImmediate as si } from 'node:timers';
import * as timersPromises from 'node:timers/promises';
import bare from 'buffer';
import strict from 'node:assert/strict';

function err(fn) { try { fn(); return 'no error'; } catch (e) { return `${e.name}: ${e.message}${e.code ? ' [' + e.code + ']' : ''}`; } }
function aerr(fn) { try { fn(); return 'no error'; } catch (e) { return `${e.name}: ${e.message}|${e.code}|${e.operator}|${e.generatedMessage}`; } }
const als = new AsyncLocalStorage();
export default { async fetch(req, env) {
  const r = {};
  const b = Buffer.from('héllo wörld');
  r.buffer = [b.length, b.toString('hex'), b.toString('base64'), Buffer.concat([Buffer.from([1, 2]), Buffer.alloc(2)]).toJSON(),
    Buffer.from('aGk=', 'base64').toString(), b.readUInt16BE(0), Buffer.byteLength('€'), Buffer.isBuffer(b), b instanceof Uint8Array,
    globalThis.Buffer === Buffer, bare.Buffer === Buffer, Buffer.compare(Buffer.from('a'), Buffer.from('b')), b.subarray(1, 3).toString('hex'), Buffer.from('ff00', 'hex').readInt16LE(0)];
  const e = new EventEmitter();
  const seen = [];
  e.on('x', (v) => seen.push(v)); e.once('x', (v) => seen.push('once' + v)); e.emit('x', 1); e.emit('x', 2);
  setTimeout(() => e.emit('later', 7), 1);
  const [later] = await once(e, 'later');
  r.events = [seen, later, e.listenerCount('x'), typeof EventEmitter.EventEmitter, err(() => e.emit('error', new Error('boom')))];
  const sleep = promisify((ms, cb) => setTimeout(() => cb(null, ms * 2), ms));
  r.util = [await sleep(1), inspect({ a: [1, { b: 2 }], s: 'x' }), format('%s=%d %j', 'a', 42, { z: 1 }), types.isPromise(Promise.resolve()), types.isDate(new Date()),
    types.isRegExp(/a/), types.isUint8Array(b), types.isAsyncFunction(async () => {}), util.isDeepStrictEqual({ a: [1] }, { a: [1] }), typeof util.TextEncoder, util.inspect(new Map([[1, 2]]))];
  r.assert = [err(() => assert.strictEqual(1, 2)), err(() => assert.deepStrictEqual({ a: 1 }, { a: 1 })), err(() => assert.ok(0)), err(() => assert.equal(1, '1')),
    err(() => assert.throws(() => { throw new TypeError('x'); }, TypeError)), err(() => assert.notStrictEqual(1, 1)), err(() => assert(false, 'msg'))];
  r.path = [path.join('/a/b', '../c', 'd.txt'), path.resolve('x/y', '..', 'z'), path.basename('/q/w.e.js', '.js'), path.extname('a.tar.gz'), path.parse('/home/u/f.txt'), path.relative('/a/b/c', '/a/d'), path.sep, path.normalize('a//b/./c/..'), path.isAbsolute('/x')];
  r.process = [process.env.MY_VAR, process.env.J, process.env.N, typeof process.nextTick, process.platform, globalThis.process === process];
  const order = []; process.nextTick(() => order.push('tick')); await null; order.push('after');
  r.tick = order;
  r.als = await als.run({ id: 1 }, async () => {
    const before = als.getStore();
    await new Promise((res) => setTimeout(res, 1));
    const afterTimer = als.getStore();
    await Promise.resolve();
    const inner = await als.run({ id: 2 }, async () => { await null; return als.getStore(); });
    const viaTimeout = await new Promise((res) => setTimeout(() => res(als.getStore()), 1));
    const exited = als.exit(() => als.getStore());
    return [before, afterTimer, inner, als.getStore(), viaTimeout, exited];
  });
  r.alsOutside = als.getStore();
  const d = new StringDecoder('utf8'); const euro = Buffer.from('€');
  r.decoder = [d.write(euro.subarray(0, 1)), d.write(euro.subarray(1)), d.end()];
  r.url = [fileURLToPath('file:///a/b%20c'), pathToFileURL('/x y').href, new NodeURL('https://a.b/c?d=1').searchParams.get('d'), NodeURL === URL];
  r.qs = [querystring.stringify({ a: [1, 2], b: 'x y' }), querystring.parse('a=1&a=2&b=%20'), querystring.escape('a b&'), querystring.unescape('%41')];
  r.crypto = [crypto.createHash('sha256').update('abc').digest('hex'), crypto.createHash('md5').update('a').update('bc').digest('base64'),
    crypto.createHmac('sha1', 'key').update('data').digest('hex'), crypto.randomBytes(8).length, crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('a')),
    err(() => crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab'))), typeof crypto.randomUUID(), err(() => crypto.createHash('nope')), crypto.getHashes().includes('sha256'),
    Buffer.isBuffer(crypto.createHash('sha1').update('').digest())];
  r.timers = [await new Promise((res) => si(() => res('imm'))), await timersPromises.setTimeout(1, 'val'), typeof setImmediate];
  r.assertMessages = [aerr(() => assert.strictEqual('a', 'b')), aerr(() => assert.deepStrictEqual({ a: 1 }, { a: 2 })), aerr(() => assert.equal(1, 2)),
   aerr(() => assert.notEqual(1, 1)), aerr(() => assert.deepEqual({ a: 1 }, { a: '1' })), aerr(() => assert.ok(false)), aerr(() => assert.ok()),
   aerr(() => assert.throws(() => {})), aerr(() => assert.throws(() => {}, TypeError)), aerr(() => assert.equal(1, '1')), strict === assert.strict, assert.equal === assert.strictEqual,
   aerr(() => assert.fail()), aerr(() => assert.fail('boom')), aerr(() => assert.match('abc', /x/)), aerr(() => assert.notDeepStrictEqual([1], [1])), aerr(() => assert.strictEqual(NaN, NaN)), aerr(() => assert.deepEqual(1, '1')), aerr(() => assert.notStrictEqual('a','a')), aerr(() => assert.strictEqual({a:1}, {a:1}))];
  return new Response(JSON.stringify(r, null, 0).replace(/\],"/g, '],\n"'));
}};
