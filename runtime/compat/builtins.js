// ECMAScript built-ins that workerd's V8 has and V8 10.2 lacks, installed
// before any Worker code runs. core-js supplies them: each module defines
// its method only when the engine has none, with the spec's property
// attributes, lengths and names. Syntax (the RegExp v flag, decorators,
// `using`) cannot be added this way; esbuild lowers what it can when it
// bundles a Worker (src/bundle).
//
// ArrayBuffer.prototype.transfer is array_buffer.js.
//
// Not here: resizable ArrayBuffers (ArrayBuffer.prototype.resize and
// friends need every view to track its buffer, which only the engine can
// do) and Float16Array.

import './core_js_prelude.js';

// ES2023: change Array by copy, findLast (native in V8 10.2, kept for
// completeness: core-js leaves a native method alone).
import 'core-js/modules/es.array.find-last.js';
import 'core-js/modules/es.array.find-last-index.js';
import 'core-js/modules/es.array.to-reversed.js';
import 'core-js/modules/es.array.to-sorted.js';
import 'core-js/modules/es.array.to-spliced.js';
import 'core-js/modules/es.array.with.js';
import 'core-js/modules/es.typed-array.find-last.js';
import 'core-js/modules/es.typed-array.find-last-index.js';
import 'core-js/modules/es.typed-array.to-reversed.js';
import 'core-js/modules/es.typed-array.to-sorted.js';
import 'core-js/modules/es.typed-array.with.js';

// ES2024
import 'core-js/modules/es.object.group-by.js';
import 'core-js/modules/es.map.group-by.js';
import 'core-js/modules/es.promise.with-resolvers.js';
import 'core-js/modules/es.string.is-well-formed.js';
import 'core-js/modules/es.string.to-well-formed.js';

// ES2025: Set methods, iterator helpers, Promise.try, RegExp.escape.
import 'core-js/modules/es.set.union.v2.js';
import 'core-js/modules/es.set.intersection.v2.js';
import 'core-js/modules/es.set.difference.v2.js';
import 'core-js/modules/es.set.symmetric-difference.v2.js';
import 'core-js/modules/es.set.is-subset-of.v2.js';
import 'core-js/modules/es.set.is-superset-of.v2.js';
import 'core-js/modules/es.set.is-disjoint-from.v2.js';
import 'core-js/modules/es.iterator.constructor.js';
import 'core-js/modules/es.iterator.from.js';
import 'core-js/modules/es.iterator.map.js';
import 'core-js/modules/es.iterator.filter.js';
import 'core-js/modules/es.iterator.take.js';
import 'core-js/modules/es.iterator.drop.js';
import 'core-js/modules/es.iterator.flat-map.js';
import 'core-js/modules/es.iterator.reduce.js';
import 'core-js/modules/es.iterator.to-array.js';
import 'core-js/modules/es.iterator.for-each.js';
import 'core-js/modules/es.iterator.some.js';
import 'core-js/modules/es.iterator.every.js';
import 'core-js/modules/es.iterator.find.js';
import 'core-js/modules/es.promise.try.js';
import 'core-js/modules/es.regexp.escape.js';
import 'core-js/modules/es.math.f16round.js';

// ES2026
import 'core-js/modules/es.array.from-async.js';
import 'core-js/modules/es.iterator.concat.js';
import 'core-js/modules/es.error.is-error.js';
import 'core-js/modules/es.math.sum-precise.js';
import 'core-js/modules/es.uint8-array.from-base64.js';
import 'core-js/modules/es.uint8-array.from-hex.js';
import 'core-js/modules/es.uint8-array.set-from-base64.js';
import 'core-js/modules/es.uint8-array.set-from-hex.js';
import 'core-js/modules/es.uint8-array.to-base64.js';
import 'core-js/modules/es.uint8-array.to-hex.js';
import 'core-js/modules/es.iterator.includes.js';
import 'core-js/modules/es.iterator.join.js';
import 'core-js/modules/es.iterator.zip.js';
import 'core-js/modules/es.iterator.zip-keyed.js';
import 'core-js/modules/es.map.get-or-insert.js';
import 'core-js/modules/es.map.get-or-insert-computed.js';
import 'core-js/modules/es.weak-map.get-or-insert.js';
import 'core-js/modules/es.weak-map.get-or-insert-computed.js';

// Explicit resource management: the symbols `using` needs (esbuild lowers
// the syntax when it bundles) and DisposableStack. Not the global
// SuppressedError: core-js's added about 45 ms of CPU to every
// isolate's start on V8 10.2, more than all the rest together.
import 'core-js/modules/es.symbol.dispose.js';
import 'core-js/modules/es.symbol.async-dispose.js';
import 'core-js/modules/es.disposable-stack.constructor.js';
import 'core-js/modules/es.async-disposable-stack.constructor.js';
import 'core-js/modules/es.iterator.dispose.js';
import 'core-js/modules/es.async-iterator.async-dispose.js';

// core-js keeps its shared state on a global property; its modules hold
// the object itself, so the global name can go and Worker code sees no
// extra global.
export function hideBuiltinsState() {
  delete globalThis['__core-js_shared__'];
}
