// caches (CacheStorage) and Cache, as workerd has them when no cache is
// configured, which is how dohost runs: the objects exist and every
// operation rejects with workerd's "No Cache was configured".
// HTMLRewriter exists only to say that dohost lacks it.

import { inspectByGetters } from './inspect_hook.js';
import { finishInterface, illegalInvocation } from './webidl.js';

const kConstruct = Symbol('construct');

function notConfigured() {
  return Promise.reject(new Error('No Cache was configured'));
}

// TODO(conform): the Cache API stores nothing; it behaves as workerd with
// no cache configured (wrangler dev caches in memory).
export class Cache {
  constructor(token) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
  }

  match() {
    return this instanceof Cache ? notConfigured() :
      Promise.reject(illegalInvocation());
  }

  put() {
    return this instanceof Cache ? notConfigured() :
      Promise.reject(illegalInvocation());
  }

  delete() {
    return this instanceof Cache ? notConfigured() :
      Promise.reject(illegalInvocation());
  }
}

Object.defineProperty(Cache.prototype, Symbol.toStringTag, {
  value: 'Cache',
  configurable: true,
});
finishInterface(Cache);

export class CacheStorage {
  #default = new Cache(kConstruct);

  constructor(token) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
  }

  get default() {
    if (!(this instanceof Object) || !(#default in this)) {
      throw illegalInvocation();
    }
    return this.#default;
  }

  open(cacheName) {
    return Promise.resolve(new Cache(kConstruct));
  }

  has() {
    throw new Error(
      "Failed to execute 'has' on 'CacheStorage': the method is not " +
        'implemented.');
  }
}

Object.defineProperty(CacheStorage.prototype, Symbol.toStringTag, {
  value: 'CacheStorage',
  configurable: true,
});
finishInterface(CacheStorage);
inspectByGetters(CacheStorage);

export const caches = new CacheStorage(kConstruct);

// TODO(conform): HTMLRewriter is not implemented; constructing one throws.
export class HTMLRewriter {
  constructor() {
    throw new Error('HTMLRewriter is not implemented in dohost.');
  }
}
