// ECMAScript built-ins newer than V8 10.2 (runtime/compat/): values, property
// shapes and error types, as workerd gives them.
function attrs(obj, key) {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  if (!d) return 'missing';
  const f = d.value ?? d.get;
  return `${typeof f}:${f.name}/${f.length}:${d.writable ? 'w' : ''}${d.enumerable ? 'e' : ''}${d.configurable ? 'c' : ''}`;
}
// Error types only: the messages are core-js's, not V8's (docs/compatibility.md).
function err(fn) { try { fn(); return 'no error'; } catch (e) { return e.constructor.name; } }
export default { async fetch() {
  const r = {};
  const a = [3, 1, 2];
  r.toSorted = [a.toSorted(), a.toReversed(), a.toSpliced(1, 1, 9, 8), a.with(0, 7), a];
  r.withErr = err(() => a.with(5, 1));
  r.findLast = [a.findLast((x) => x < 3), a.findLastIndex((x) => x > 5)];
  const t = new Uint8Array([3, 1, 2]);
  r.typed = [Array.from(t.toSorted()), Array.from(t.toReversed()), Array.from(t.with(1, 9)), t.toSorted() instanceof Uint8Array];
  r.groupBy = Object.groupBy([1, 2, 3, 4], (x) => (x % 2 ? 'odd' : 'even'));
  r.groupByProto = Object.getPrototypeOf(r.groupBy) === null;
  r.mapGroupBy = [...Map.groupBy([1, 2, 3], (x) => x > 1)];
  const { promise, resolve } = Promise.withResolvers();
  resolve(42);
  r.withResolvers = await promise;
  r.fromAsync = await Array.fromAsync((async function* () { yield 1; yield 2; })());
  r.fromAsyncMap = await Array.fromAsync([Promise.resolve(2), 3], (x) => x * 10);
  r.wellFormed = ['a\uD800b'.isWellFormed(), 'ab'.isWellFormed(), 'a\uD800b'.toWellFormed() === 'a\uFFFDb'];
  const s1 = new Set([1, 2, 3]), s2 = new Set([2, 3, 4]);
  r.sets = [[...s1.union(s2)], [...s1.intersection(s2)], [...s1.difference(s2)], [...s1.symmetricDifference(s2)],
    s1.isSubsetOf(new Set([1, 2, 3, 4])), s1.isSupersetOf(new Set([1])), s1.isDisjointFrom(new Set([9]))];
  r.setErr = err(() => s1.union([1]));
  function* gen() { yield 1; yield 2; yield 3; yield 4; }
  r.iter = [gen().map((x) => x * 2).toArray(), gen().filter((x) => x % 2).toArray(), gen().take(2).toArray(), gen().drop(3).toArray(),
    gen().flatMap((x) => [x, x]).take(3).toArray(), gen().reduce((s, x) => s + x), gen().some((x) => x > 3), gen().every((x) => x > 0), gen().find((x) => x > 2)];
  let each = 0; gen().forEach((x) => { each += x; }); r.iterForEach = each;
  r.iterFrom = Iterator.from({ next() { return { done: true }; } }).toArray();
  r.iterInstance = gen() instanceof Iterator;
  r.iterErr = err(() => gen().take(-1));
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const moved = buf.transfer(5);
  r.transfer = [buf.byteLength, buf.detached, moved.byteLength, Array.from(new Uint8Array(moved)), moved.detached];
  r.transferErr = err(() => buf.transfer());
  r.misc = [Promise.try(() => 5) instanceof Promise, RegExp.escape('a.b'), Math.sumPrecise([0.1, 0.2]), Error.isError(new TypeError()),
    new Uint8Array([104, 105]).toBase64(), Array.from(Uint8Array.fromHex('0aff')), [...Iterator.concat([1], [2])]];
  r.attrs = [attrs(Array.prototype, 'toSorted'), attrs(Array.prototype, 'with'), attrs(Object, 'groupBy'), attrs(Promise, 'withResolvers'),
    attrs(Array, 'fromAsync'), attrs(Set.prototype, 'union'), attrs(Iterator.prototype, 'map'), attrs(globalThis, 'Iterator'),
    attrs(ArrayBuffer.prototype, 'transfer'), attrs(ArrayBuffer.prototype, 'detached'), attrs(String.prototype, 'toWellFormed'),
    attrs(Iterator, 'from'), attrs(Object.getPrototypeOf(Uint8Array.prototype), 'toSorted'), attrs(Array.prototype, 'toSpliced')];
  r.unscopables = ['toSorted', 'toReversed', 'toSpliced', 'with'].map((k) => Array.prototype[Symbol.unscopables][k]);
  r.iterTag = Object.prototype.toString.call(gen().map((x) => x));
  const stack = new DisposableStack();
  const disposed = [];
  stack.defer(() => disposed.push('a'));
  stack.defer(() => disposed.push('b'));
  stack.dispose();
  const asyncIteratorProto = Object.getPrototypeOf(Object.getPrototypeOf(
    Object.getPrototypeOf((async function* () {})())));
  r.newer = [typeof Symbol.dispose, typeof Symbol.asyncDispose, disposed,
    typeof Iterator.prototype[Symbol.dispose], typeof asyncIteratorProto[Symbol.asyncDispose],
    [...Iterator.zip([[1, 2], ['a', 'b']])], Iterator.zipKeyed({ a: [1], b: [2] }).toArray(), gen().includes(3), gen().join('-'),
    new Map().getOrInsert('k', 5), new Map([['k', 1]]).getOrInsertComputed('k', () => 9), new WeakMap().getOrInsert({}, 3)];
  r.globals = Object.getOwnPropertyNames(globalThis).filter((k) => /core|__/.test(k));
  r.typeErrs = [err(() => Array.prototype.toSorted.call([], 1)), err(() => Object.groupBy(null, (x) => x)), err(() => Iterator.prototype.map.call({}, 1))];
  return new Response(JSON.stringify(r, null, 0).replace(/\],"/g, '],\n"'));
}};
