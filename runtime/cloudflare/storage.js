// `ctx.storage`: the key-value API, alarms and transactions of one Durable
// Object, on its SQLite database in the host (natives.kv*, alarm*, txn*).
// Every operation runs synchronously in the host; the promise-returning
// methods hand back settled promises, so awaiting them never lets another
// event in (workerd's input gate holds events while storage is awaited).
// Which errors are thrown and which are rejections follows workerd.

import { HostIterator } from './iterator.js';
import { makeSqlStorage } from './sql.js';

let natives;

export function initStorage(hostNatives) {
  natives = hostNatives;
}

const kToken = Symbol('internal');

function illegal() {
  return new TypeError('Illegal constructor');
}

// A key or option as a string, as workerd converts it: a Symbol throws.
function toKey(value) {
  return `${value}`;
}

function notOfType(method, owner, index, type) {
  return new TypeError(
    `Failed to execute '${method}' on '${owner}': parameter ${index} is not ` +
      `of type '${type}'.`,
  );
}

// Runs `body` and returns its result as a settled promise; a throw becomes a
// rejection, as workerd's promise-returning methods do.
function settled(body) {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error);
  }
}

// An options dictionary: undefined or null for none, else an object.
function checkOptions(options, method, owner, index, type) {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' && typeof options !== 'function') {
    throw notOfType(method, owner, index, type);
  }
}

// WebIDL `long`, as workerd converts list()'s limit.
function toLong(value) {
  const number = Number(value);
  if (!Number.isFinite(number)) return 0;
  const integer = Math.trunc(number);
  if (integer < -2147483648 || integer > 2147483647) {
    throw new TypeError(
      'Value out of range. Must be between -2147483648 and 2147483647 ' +
        '(inclusive).',
    );
  }
  return integer;
}

// list() options, checked and converted as workerd does; the host compiles
// the key range (prefix, startAfter) the same way.
function listArguments(options, owner) {
  checkOptions(options, 'list', owner, 1, 'ListOptions');
  const o = options ?? {};
  const text = (value) => (value === undefined ? undefined : toKey(value));
  const start = text(o.start);
  const startAfter = text(o.startAfter);
  const end = text(o.end);
  const prefix = text(o.prefix);
  const reverse = o.reverse === undefined ? false : Boolean(o.reverse);
  const limit = o.limit === undefined ? undefined : toLong(o.limit);
  if (start !== undefined && startAfter !== undefined) {
    throw new TypeError(
      'list() cannot be called with both start and startAfter values.',
    );
  }
  if (limit !== undefined && limit <= 0) {
    throw new TypeError('List limit must be positive.');
  }
  return [start, startAfter, end, prefix, limit, reverse];
}

// setAlarm()'s time: a Date or a number of milliseconds since the epoch.
function alarmTime(value, owner) {
  let ms;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'number') {
    ms = value;
  } else {
    throw notOfType('setAlarm', owner, 1, 'date');
  }
  if (!Number.isFinite(ms)) {
    throw new TypeError(
      'The value cannot be converted because it is not a valid Date.',
    );
  }
  if (ms > 8.64e15) {
    throw new TypeError("This API doesn't support dates after 2189.");
  }
  if (ms <= 0) {
    throw new TypeError('setAlarm() cannot be called with an alarm time <= 0');
  }
  return ms;
}

// The operations DurableObjectStorage and DurableObjectTransaction share.
// `owner` names the class in workerd's argument errors.
const ops = {
  get(handle, owner, keys, options) {
    if (keys === undefined) {
      throw notOfType('get', owner, 1, 'string or Array');
    }
    checkOptions(options, 'get', owner, 2, 'GetOptions');
    if (Array.isArray(keys)) return natives.kvGetMany(handle, keys.map(toKey));
    return natives.kvGet(handle, toKey(keys));
  },

  put(handle, owner, keyOrEntries, value, options) {
    if (keyOrEntries === undefined) {
      throw notOfType('put', owner, 1, 'string or object');
    }
    if (typeof keyOrEntries === 'object' && keyOrEntries !== null) {
      if (value !== undefined && value !== null && typeof value !== 'object') {
        throw new TypeError(
          'put() may only be called with a single key-value pair and ' +
            'optional options as put(key, value, options) or with multiple ' +
            'key-value pairs and optional options as put(entries, options)',
        );
      }
      // Entries whose value is undefined are skipped, as in workerd.
      const keys = [];
      const values = [];
      for (const key of Object.keys(keyOrEntries)) {
        const entry = keyOrEntries[key];
        if (entry === undefined) continue;
        keys.push(key);
        values.push(entry);
      }
      natives.kvPutMany(handle, keys, values);
      return undefined;
    }
    checkOptions(options, 'put', owner, 3, 'PutOptions');
    if (value === undefined) {
      throw new TypeError('put() called with undefined value.');
    }
    natives.kvPut(handle, toKey(keyOrEntries), value);
    return undefined;
  },

  delete(handle, owner, keys, options) {
    if (keys === undefined) {
      throw notOfType('delete', owner, 1, 'string or Array');
    }
    checkOptions(options, 'delete', owner, 2, 'PutOptions');
    if (Array.isArray(keys)) {
      return Promise.resolve(natives.kvDeleteMany(handle, keys.map(toKey)));
    }
    return Promise.resolve(natives.kvDelete(handle, toKey(keys)));
  },

  list(handle, owner, options) {
    return natives.kvList(handle, ...listArguments(options, owner));
  },

  getAlarm(handle, owner, options) {
    checkOptions(options, 'getAlarm', owner, 1, 'GetAlarmOptions');
    return natives.alarmGet(handle);
  },

  setAlarm(handle, owner, scheduledTime, options) {
    const ms = alarmTime(scheduledTime, owner);
    checkOptions(options, 'setAlarm', owner, 2, 'SetAlarmOptions');
    natives.alarmSet(handle, ms);
    return undefined;
  },

  deleteAlarm(handle, owner, options) {
    checkOptions(options, 'deleteAlarm', owner, 1, 'SetAlarmOptions');
    natives.alarmSet(handle, null);
    return undefined;
  },
};

// ---- storage.transaction() ---------------------------------------------------

export class DurableObjectTransaction {
  #handle;
  #depth;
  #state = 'open'; // 'open', 'rolledBack' or 'committed'

  constructor(token, handle) {
    if (token !== kToken) throw illegal();
    this.#handle = handle;
    this.#depth = natives.txnBegin(handle);
  }

  // Throws unless operation `name` may run now.
  #check(name) {
    if (this.#state === 'rolledBack') {
      throw new Error(`Cannot ${name}() on rolled back transaction`);
    }
    if (this.#state === 'committed') {
      throw new Error(
        `Cannot call ${name}() on transaction that has already committed: ` +
          'did you move `txn` outside of the closure?',
      );
    }
  }

  get(keys, options) {
    return settled(() => {
      this.#check('get');
      return ops.get(this.#handle, 'DurableObjectTransaction', keys, options);
    });
  }

  put(keyOrEntries, value, options) {
    return settled(() => {
      this.#check('put');
      return ops.put(
        this.#handle, 'DurableObjectTransaction', keyOrEntries, value, options);
    });
  }

  delete(keys, options) {
    this.#check('delete');
    return ops.delete(this.#handle, 'DurableObjectTransaction', keys, options);
  }

  list(options) {
    return settled(() => {
      this.#check('list');
      return ops.list(this.#handle, 'DurableObjectTransaction', options);
    });
  }

  getAlarm(options) {
    return settled(() => {
      this.#check('getAlarm');
      return ops.getAlarm(this.#handle, 'DurableObjectTransaction', options);
    });
  }

  setAlarm(scheduledTime, options) {
    return settled(() => {
      this.#check('setAlarm');
      return ops.setAlarm(
        this.#handle, 'DurableObjectTransaction', scheduledTime, options);
    });
  }

  deleteAlarm(options) {
    return settled(() => {
      this.#check('deleteAlarm');
      return ops.deleteAlarm(this.#handle, 'DurableObjectTransaction', options);
    });
  }

  deleteAll() {
    throw new Error('Cannot call deleteAll() within a transaction');
  }

  rollback() {
    if (this.#state === 'rolledBack') return;
    this.#check('rollback');
    natives.txnRollback(this.#handle, this.#depth);
    this.#state = 'rolledBack';
  }

  // The callback returned: keep its writes, unless it rolled back.
  static finish(txn) {
    if (txn.#state !== 'open') {
      txn.#state = txn.#state === 'rolledBack' ? 'rolledBack' : 'committed';
      return;
    }
    natives.txnCommit(txn.#handle, txn.#depth);
    txn.#state = 'committed';
  }

  // The callback threw: drop its writes.
  static abandon(txn) {
    if (txn.#state === 'open') natives.txnRollback(txn.#handle, txn.#depth);
    txn.#state = 'rolledBack';
  }
}

// ---- storage.kv ------------------------------------------------------------------

class ListIterator extends HostIterator {
  #entries;
  #index = 0;

  constructor(token, entries) {
    if (token !== kToken) throw illegal();
    super();
    this.#entries = entries;
  }

  next() {
    if (this.#index >= this.#entries.length) return { done: true };
    return { done: false, value: this.#entries[this.#index++] };
  }

  get [Symbol.toStringTag]() {
    return 'ListIterator';
  }
}

export class SyncKvStorage {
  #handle;

  constructor(token, handle) {
    if (token !== kToken) throw illegal();
    this.#handle = handle;
  }

  #key(method, key) {
    if (key === undefined) throw notOfType(method, 'SyncKvStorage', 1, 'string');
    natives.syncKvCheck(this.#handle);
    return toKey(key);
  }

  get(key) {
    return natives.kvGet(this.#handle, this.#key('get', key));
  }

  put(key, value) {
    const name = this.#key('put', key);
    if (arguments.length < 2) {
      throw notOfType('put', 'SyncKvStorage', 2, 'Value');
    }
    natives.kvPut(this.#handle, name, value);
  }

  delete(key) {
    return natives.kvDelete(this.#handle, this.#key('delete', key));
  }

  list(options) {
    natives.syncKvCheck(this.#handle);
    const args = listArguments(options, 'SyncKvStorage');
    return new ListIterator(kToken, [...natives.kvList(this.#handle, ...args)]);
  }

  get [Symbol.toStringTag]() {
    return 'SyncKvStorage';
  }
}

// ---- ctx.storage -----------------------------------------------------------------

export class DurableObjectStorage {
  #handle;
  #blockConcurrencyWhile;

  constructor(token, handle, blockConcurrencyWhile) {
    if (token !== kToken) throw illegal();
    this.#handle = handle;
    this.#blockConcurrencyWhile = blockConcurrencyWhile;
    // Own, lazily made properties, as workerd defines them.
    let sql;
    let kv;
    Object.defineProperty(this, 'sql', {
      get: () => (sql ??= makeSqlStorage(handle)),
      enumerable: true,
      configurable: true,
    });
    Object.defineProperty(this, 'kv', {
      get: () => (kv ??= new SyncKvStorage(kToken, handle)),
      enumerable: true,
      configurable: true,
    });
  }

  get(keys, options) {
    return settled(() =>
      ops.get(this.#handle, 'DurableObjectStorage', keys, options));
  }

  put(keyOrEntries, value, options) {
    return settled(() =>
      ops.put(this.#handle, 'DurableObjectStorage', keyOrEntries, value, options));
  }

  delete(keys, options) {
    return ops.delete(this.#handle, 'DurableObjectStorage', keys, options);
  }

  list(options) {
    return settled(() => ops.list(this.#handle, 'DurableObjectStorage', options));
  }

  deleteAll(options) {
    return settled(() => {
      checkOptions(options, 'deleteAll', 'DurableObjectStorage', 1, 'PutOptions');
      natives.kvDeleteAll(this.#handle);
      return undefined;
    });
  }

  getAlarm(options) {
    return settled(() =>
      ops.getAlarm(this.#handle, 'DurableObjectStorage', options));
  }

  setAlarm(scheduledTime, options) {
    return settled(() =>
      ops.setAlarm(this.#handle, 'DurableObjectStorage', scheduledTime, options));
  }

  deleteAlarm(options) {
    return settled(() =>
      ops.deleteAlarm(this.#handle, 'DurableObjectStorage', options));
  }

  // Resolves once every write made so far is durable.
  sync() {
    return settled(() => {
      natives.storageSync(this.#handle);
      return undefined;
    });
  }

  transactionSync(closure) {
    if (typeof closure !== 'function') {
      throw notOfType('transactionSync', 'DurableObjectStorage', 1, 'function');
    }
    const depth = natives.txnBegin(this.#handle);
    let result;
    try {
      result = closure();
    } catch (error) {
      natives.txnRollback(this.#handle, depth);
      throw error;
    }
    natives.txnCommit(this.#handle, depth);
    return result;
  }

  transaction(closure, options) {
    if (typeof closure !== 'function') {
      return Promise.reject(
        notOfType('transaction', 'DurableObjectStorage', 1, 'function'));
    }
    // The callback runs alone (no other event of this object meanwhile), in
    // a savepoint. Its error is carried out of blockConcurrencyWhile as a
    // value: a failed transaction must not reset the object.
    const handle = this.#handle;
    return this.#blockConcurrencyWhile(async () => {
      const txn = new DurableObjectTransaction(kToken, handle);
      try {
        const value = await closure(txn);
        DurableObjectTransaction.finish(txn);
        return { value };
      } catch (error) {
        DurableObjectTransaction.abandon(txn);
        return { error };
      }
    }).then((outcome) => {
      if ('error' in outcome) throw outcome.error;
      return outcome.value;
    });
  }

  getCurrentBookmark() {
    return settled(() => natives.storageBookmark(this.#handle));
  }

  getBookmarkForTime(timestamp) {
    return Promise.reject(pitrError());
  }

  onNextSessionRestoreBookmark(bookmark) {
    return Promise.reject(pitrError());
  }

  get [Symbol.toStringTag]() {
    return 'DurableObjectStorage';
  }
}

function pitrError() {
  return new Error(
    "This Durable Object's storage back-end does not implement point-in-time " +
      'recovery.',
  );
}

export function makeStorage(handle, blockConcurrencyWhile) {
  return new DurableObjectStorage(kToken, handle, blockConcurrencyWhile);
}
