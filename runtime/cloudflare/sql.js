// `ctx.storage.sql`: SqlStorage and its cursor, on the host's per-object
// SQLite database (natives.sqlExec).

const kOneMessage = 'Expected exactly one result from SQL query, but got ';

export class SqlStorageCursor {
  #columns;
  #rows;
  #index = 0;
  #rowsRead;
  #rowsWritten;

  constructor(result) {
    this.#columns = result.columns;
    this.#rows = result.rows;
    this.#rowsRead = result.rowsRead;
    this.#rowsWritten = result.rowsWritten;
  }

  get columnNames() {
    return this.#columns.slice();
  }

  get rowsRead() {
    return this.#rowsRead;
  }

  get rowsWritten() {
    return this.#rowsWritten;
  }

  #nextRaw() {
    if (this.#index >= this.#rows.length) return undefined;
    return this.#rows[this.#index++];
  }

  #toObject(raw) {
    const row = {};
    const columns = this.#columns;
    for (let i = 0; i < columns.length; i++) row[columns[i]] = raw[i];
    return row;
  }

  next() {
    const raw = this.#nextRaw();
    if (raw === undefined) return { done: true };
    return { done: false, value: this.#toObject(raw) };
  }

  toArray() {
    const out = [];
    for (let raw; (raw = this.#nextRaw()) !== undefined; ) {
      out.push(this.#toObject(raw));
    }
    return out;
  }

  one() {
    const raw = this.#nextRaw();
    if (raw === undefined) throw new Error(kOneMessage + 'no results.');
    if (this.#index < this.#rows.length) {
      this.#index = this.#rows.length;
      throw new Error(kOneMessage + 'multiple results.');
    }
    return this.#toObject(raw);
  }

  raw() {
    const cursor = this;
    return {
      next() {
        const raw = cursor.#nextRaw();
        return raw === undefined ? { done: true } : { done: false, value: raw };
      },
      toArray() {
        const out = [];
        for (let raw; (raw = cursor.#nextRaw()) !== undefined; ) out.push(raw);
        return out;
      },
      [Symbol.iterator]() {
        return this;
      },
    };
  }

  [Symbol.iterator]() {
    return this;
  }
}

export class SqlStorage {
  #handle;
  #natives;

  constructor(natives, handle) {
    this.#natives = natives;
    this.#handle = handle;
  }

  exec(query, ...bindings) {
    return new SqlStorageCursor(this.#natives.sqlExec(this.#handle, query, bindings));
  }

  get databaseSize() {
    return this.#natives.sqlDatabaseSize(this.#handle);
  }
}
