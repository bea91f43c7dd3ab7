// `ctx.storage.sql`: SqlStorage and its cursors. A cursor wraps a host
// cursor (natives.sqlExec) and reads its rows one at a time, as workerd
// does: exec() runs the statement up to its first row, each next() takes a
// row and steps ahead.

import { HostIterator } from './iterator.js';

let natives;

export function initSql(hostNatives) {
  natives = hostNatives;
}

// Only this module makes cursors and iterators.
const kToken = Symbol('internal');

function illegal() {
  return new TypeError('Illegal constructor');
}

class RowIterator extends HostIterator {
  #cursor;

  constructor(token, cursor) {
    if (token !== kToken) throw illegal();
    super();
    this.#cursor = cursor;
  }

  next() {
    return this.#cursor.next();
  }

  get [Symbol.toStringTag]() {
    return 'RowIterator';
  }
}

class RawIterator extends HostIterator {
  #cursor;

  constructor(token, cursor) {
    if (token !== kToken) throw illegal();
    super();
    this.#cursor = cursor;
  }

  next() {
    const row = Cursor.nextRaw(this.#cursor);
    return row === null ? { done: true } : { done: false, value: row };
  }

  get [Symbol.toStringTag]() {
    return 'RawIterator';
  }
}

export class Cursor {
  #native;
  #columns;

  constructor(token, native) {
    if (token !== kToken) throw illegal();
    this.#native = native;
  }

  static nextRaw(cursor) {
    return natives.cursorNext(cursor.#native);
  }

  #names() {
    return (this.#columns ??= natives.cursorColumns(this.#native));
  }

  // Later columns of the same name win, as workerd sets them in order.
  #toObject(raw) {
    const names = this.#names();
    const row = {};
    for (let i = 0; i < names.length; i++) row[names[i]] = raw[i];
    return row;
  }

  next() {
    const raw = natives.cursorNext(this.#native);
    return raw === null ? { done: true } : { done: false, value: this.#toObject(raw) };
  }

  toArray() {
    const rows = [];
    for (let raw; (raw = natives.cursorNext(this.#native)) !== null; ) {
      rows.push(this.#toObject(raw));
    }
    return rows;
  }

  one() {
    return this.#toObject(natives.cursorOne(this.#native));
  }

  raw() {
    return new RawIterator(kToken, this);
  }

  get columnNames() {
    return this.#names();
  }

  get rowsRead() {
    return natives.cursorRowsRead(this.#native);
  }

  get rowsWritten() {
    return natives.cursorRowsWritten(this.#native);
  }

  [Symbol.iterator]() {
    return new RowIterator(kToken, this);
  }

  get [Symbol.toStringTag]() {
    return 'Cursor';
  }
}

// sql.prepare() is not offered (workerd hides it behind a flag); the class
// exists as workerd lists it on SqlStorage.
class Statement {
  constructor() {
    throw illegal();
  }
}

export class SqlStorage {
  #handle;

  constructor(token, handle) {
    if (token !== kToken) throw illegal();
    this.#handle = handle;
  }

  exec(query, ...bindings) {
    // exec(undefined) runs the SQL "undefined"; only a missing query is refused.
    if (arguments.length === 0) {
      throw new TypeError(
        "Failed to execute 'exec' on 'SqlStorage': parameter 1 is not of " +
          "type 'String'.",
      );
    }
    const native = natives.sqlExec(this.#handle, String(query), bindings);
    return new Cursor(kToken, native);
  }

  get databaseSize() {
    return natives.sqlDatabaseSize(this.#handle);
  }

  get [Symbol.toStringTag]() {
    return 'SqlStorage';
  }
}

Object.defineProperty(SqlStorage.prototype, 'Cursor', {
  value: Cursor,
  writable: true,
  configurable: true,
});
Object.defineProperty(SqlStorage.prototype, 'Statement', {
  value: Statement,
  writable: true,
  configurable: true,
});

export function makeSqlStorage(handle) {
  return new SqlStorage(kToken, handle);
}
