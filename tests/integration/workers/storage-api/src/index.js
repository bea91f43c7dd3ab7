// ctx.storage edge cases, one per route: GET /case/<name> runs CASES[name] in a fresh object
// of class Probe (SQLite-backed), GET /legacy/<name> runs LEGACY[name] in a fresh Legacy object
// (declared with new_classes). Each answer is JSON with every value tagged by describe(), so
// undefined, NaN, -0, ArrayBuffer, Map and BigInt survive the trip. The expected answers in
// test_storage_api.py were produced by running this Worker on workerd.
import { DurableObject } from "cloudflare:workers";

function describe(value, seen = new Set()) {
  if (value === undefined) return { undefined: true };
  if (value === null) return null;
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { number: "NaN" };
    if (Object.is(value, -0)) return { number: "-0" };
    if (!Number.isFinite(value)) return { number: String(value) };
    return value;
  }
  if (typeof value === "bigint") return { bigint: String(value) };
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "symbol") return { symbol: String(value) };
  if (typeof value === "function") return { function: value.name };
  if (seen.has(value)) return { circular: true };
  seen.add(value);
  try {
    if (value instanceof ArrayBuffer) return { ArrayBuffer: [...new Uint8Array(value)] };
    if (ArrayBuffer.isView(value)) {
      return {
        view: value.constructor.name,
        bytes: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)],
      };
    }
    if (value instanceof Map) {
      return { Map: [...value].map(([k, v]) => [describe(k, seen), describe(v, seen)]) };
    }
    if (value instanceof Set) return { Set: [...value].map((v) => describe(v, seen)) };
    if (value instanceof Date) return { Date: value.getTime() };
    if (value instanceof RegExp) return { RegExp: String(value) };
    if (value instanceof Error) return { error: errorOf(value) };
    if (Array.isArray(value)) return value.map((v) => describe(v, seen));
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = describe(v, seen);
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) out.$class = proto.constructor?.name;
    return out;
  } finally {
    seen.delete(value);
  }
}

function errorOf(e) {
  if (!(e instanceof Error)) return { thrown: String(e) };
  return { name: e.name, message: e.message };
}

// Runs fn and gives {value} or {error}.
function attempt(fn) {
  try {
    return { value: describe(fn()) };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

async function attemptAsync(fn) {
  try {
    return { value: describe(await fn()) };
  } catch (e) {
    return { error: errorOf(e) };
  }
}

function names(object) {
  return Object.getOwnPropertyNames(object).sort();
}

const CASES = {
  // ---- SQL values and bindings --------------------------------------------------------------
  "sql-values"(s) {
    return s.sql
      .exec(
        "SELECT 1 AS i, 1.5 AS r, 'x' AS t, NULL AS n, x'0102ff' AS b, x'' AS e, " +
          "9007199254740993 AS big, -9223372036854775808 AS min, 9223372036854775807 AS max, " +
          "1e308 * 10 AS inf, -1e308 * 10 AS ninf, 'a' || char(0) || 'b' AS nul",
      )
      .one();
  },
  "sql-binding-types"(s) {
    s.sql.exec("CREATE TABLE v (x)");
    const inputs = [42, 1.25, -0, Infinity, -Infinity, NaN, "text", "", null, undefined, true,
      false, { a: 1 }, [1, 2], new Uint8Array([1, 2, 3]), new Uint8Array([9, 8, 7, 6]).subarray(1, 3),
      new ArrayBuffer(2), new DataView(new Uint8Array([5, 6]).buffer), new Date(0), new Map()];
    const out = [];
    for (const input of inputs) {
      out.push(attempt(() => s.sql.exec("SELECT typeof(?) AS type, ? AS value", input, input).one()));
    }
    return out;
  },
  "sql-binding-errors"(s) {
    return {
      bigint: attempt(() => s.sql.exec("SELECT ?", 1n)),
      symbol: attempt(() => s.sql.exec("SELECT ?", Symbol("s"))),
      throwingToString: attempt(() =>
        s.sql.exec("SELECT ?", { toString() { throw new RangeError("no string for you"); } })),
      function: attempt(() => s.sql.exec("SELECT ? AS f", function named() {}).one()),
    };
  },
  "sql-integers"(s) {
    s.sql.exec("CREATE TABLE ints (i INTEGER)");
    s.sql.exec("INSERT INTO ints VALUES (9007199254740993), (?), (?)", 2 ** 53, 3);
    return {
      rows: s.sql.exec("SELECT i, typeof(i) AS t FROM ints ORDER BY rowid").toArray(),
      text: s.sql.exec("SELECT CAST(i AS TEXT) AS s FROM ints ORDER BY rowid").raw().toArray(),
      sum: s.sql.exec("SELECT sum(i) AS s FROM ints").one(),
    };
  },
  "sql-blob-roundtrip"(s) {
    s.sql.exec("CREATE TABLE blobs (b BLOB)");
    s.sql.exec("INSERT INTO blobs VALUES (?), (?), (?)", new Uint8Array([0, 255]),
      new Uint16Array([1, 2]), new ArrayBuffer(0));
    const rows = s.sql.exec("SELECT b, typeof(b) AS t, length(b) AS n FROM blobs").toArray();
    return rows.map((r) => ({ ...r, isArrayBuffer: r.b instanceof ArrayBuffer }));
  },

  // ---- Several statements in one exec -------------------------------------------------------
  "sql-multi"(s) {
    const c = s.sql.exec(
      "CREATE TABLE m (a); INSERT INTO m VALUES (1), (2);  SELECT a FROM m ORDER BY a;\n");
    return { columns: c.columnNames, rows: c.toArray(), read: c.rowsRead, written: c.rowsWritten };
  },
  "sql-multi-params"(s) {
    return {
      earlier: attempt(() => s.sql.exec("SELECT ?; SELECT 2", 1)),
      last: attempt(() => s.sql.exec("SELECT 1 AS a; SELECT ? AS b", 2).toArray()),
      afterError: attempt(() => s.sql.exec("CREATE TABLE k (a); SELECT * FROM nope")),
      tableKept: attempt(() => s.sql.exec("SELECT name FROM sqlite_master WHERE name = 'k'").toArray()),
    };
  },
  "sql-empty"(s) {
    return ["SELECT 1 AS a; -- trailing comment", "SELECT 1 AS a -- comment", "", "   ", ";", "-- only a comment", "/* c */", "SELECT 1;;", "SELECT 1; ;"].map(
      (q) => attempt(() => s.sql.exec(q).toArray()));
  },
  "sql-binding-count"(s) {
    return {
      tooMany: attempt(() => s.sql.exec("SELECT ?", 1, 2)),
      tooFew: attempt(() => s.sql.exec("SELECT ?, ?", 1)),
      numbered: attempt(() => s.sql.exec("SELECT ?2 AS b, ?1 AS a", "one", "two").one()),
      gap: attempt(() => s.sql.exec("SELECT ?3 AS c", 1, 2, 3).one()),
      named: attempt(() => s.sql.exec("SELECT :a AS a", 5).one()),
      none: attempt(() => s.sql.exec("SELECT 1 AS one", 5)),
    };
  },
  "sql-exec-args"(s) {
    return {
      noArgs: attempt(() => s.sql.exec()),
      number: attempt(() => s.sql.exec(123)),
      object: attempt(() => s.sql.exec({ toString: () => "SELECT 7 AS seven" }).one()),
    };
  },

  // ---- Cursor API ---------------------------------------------------------------------------
  "cursor-shape"(s) {
    const c = s.sql.exec("SELECT 1 AS a, 2 AS b");
    const proto = Object.getPrototypeOf(c);
    return {
      ctor: c.constructor.name,
      own: names(c),
      proto: names(proto),
      iterIsSelf: c[Symbol.iterator]() === c,
      raw: names(Object.getPrototypeOf(c.raw())),
      rawCtor: c.raw().constructor.name,
      sqlProto: names(Object.getPrototypeOf(s.sql)),
      sqlCtor: s.sql.constructor.name,
      toStringTag: Object.prototype.toString.call(c),
    };
  },
  "cursor-iteration"(s) {
    s.sql.exec("CREATE TABLE it (n INTEGER, w TEXT)");
    s.sql.exec("INSERT INTO it VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    const out = {};
    const c = s.sql.exec("SELECT n, w FROM it ORDER BY n");
    out.first = c.next();
    out.readAfterFirst = c.rowsRead;
    out.rest = [...c];
    out.afterDone = c.next();
    out.again = [...c];
    out.toArrayAfter = c.toArray();
    out.columnsAfter = c.columnNames;
    out.readAtEnd = c.rowsRead;
    const r = s.sql.exec("SELECT n, w FROM it ORDER BY n").raw();
    out.rawFirst = r.next();
    out.rawRest = r.toArray();
    out.rawDone = r.next();
    const mixed = s.sql.exec("SELECT n FROM it ORDER BY n");
    out.mixed = [mixed.next().value, mixed.raw().next().value, mixed.toArray()];
    out.spread = [...s.sql.exec("SELECT w FROM it ORDER BY n").raw()];
    return out;
  },
  "cursor-one"(s) {
    s.sql.exec("CREATE TABLE o (n)");
    const none = attempt(() => s.sql.exec("SELECT n FROM o").one());
    s.sql.exec("INSERT INTO o VALUES (1), (2), (3)");
    const many = s.sql.exec("SELECT n FROM o ORDER BY n");
    const manyResult = attempt(() => many.one());
    return {
      none,
      many: manyResult,
      afterMany: attempt(() => many.next()),
      afterManyArray: attempt(() => many.toArray()),
      single: attempt(() => s.sql.exec("SELECT n FROM o WHERE n = 2").one()),
      partlyRead: attempt(() => {
        const c = s.sql.exec("SELECT n FROM o ORDER BY n");
        c.next();
        c.next();
        return c.one();
      }),
      write: attempt(() => s.sql.exec("INSERT INTO o VALUES (9)").one()),
      writeCount: s.sql.exec("SELECT count(*) AS c FROM o").one().c,
    };
  },
  "cursor-columns"(s) {
    s.sql.exec("CREATE TABLE a (id, v); CREATE TABLE b (id, v)");
    s.sql.exec("INSERT INTO a VALUES (1, 'a1'); INSERT INTO b VALUES (1, 'b1')");
    const join = s.sql.exec("SELECT * FROM a JOIN b USING (id)");
    const dup = s.sql.exec("SELECT a.v, b.v FROM a, b");
    return {
      joinColumns: join.columnNames,
      joinRow: join.one(),
      dupColumns: dup.columnNames,
      dupRaw: dup.raw().toArray(),
      dupObject: s.sql.exec("SELECT a.v, b.v FROM a, b").one(),
      insertColumns: s.sql.exec("INSERT INTO a VALUES (2, 'a2')").columnNames,
      expression: s.sql.exec("SELECT 1 + 1, upper('x')").columnNames,
      columnsCopy: (() => {
        const c = s.sql.exec("SELECT 1 AS z");
        const first = c.columnNames;
        first.push("changed");
        return [c.columnNames, c.columnNames === c.columnNames];
      })(),
    };
  },
  "cursor-counts"(s) {
    const out = {};
    const create = s.sql.exec("CREATE TABLE c (id INTEGER PRIMARY KEY, v TEXT)");
    out.create = [create.rowsRead, create.rowsWritten];
    const ins = s.sql.exec("INSERT INTO c (v) VALUES ('a'), ('b'), ('c')");
    out.insert = [ins.rowsRead, ins.rowsWritten];
    const ret = s.sql.exec("INSERT INTO c (v) VALUES ('d'), ('e') RETURNING id");
    out.returningBefore = [ret.rowsRead, ret.rowsWritten];
    out.returningRows = ret.toArray();
    out.returningAfter = [ret.rowsRead, ret.rowsWritten];
    const sel = s.sql.exec("SELECT * FROM c");
    out.selectBefore = [sel.rowsRead, sel.rowsWritten];
    sel.toArray();
    out.selectAfter = [sel.rowsRead, sel.rowsWritten];
    const upd = s.sql.exec("UPDATE c SET v = 'z' WHERE id > 3");
    out.update = [upd.rowsRead, upd.rowsWritten];
    const del = s.sql.exec("DELETE FROM c WHERE id = 1");
    out.deleteOne = [del.rowsRead, del.rowsWritten];
    const cnt = s.sql.exec("SELECT count(*) FROM c");
    out.count = [cnt.rowsRead, cnt.rowsWritten, cnt.raw().toArray()];
    return out;
  },
  // [rowsRead, rowsWritten] of each statement, before and after reading its rows.
  "cursor-counts-many"(s) {
    const statements = [
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)",
      "CREATE INDEX t_b ON t (b)",
      "INSERT INTO t (a, b) VALUES ('x', 1), ('y', 2), ('z', 3), ('w', 4)",
      "SELECT * FROM t",
      "SELECT * FROM t WHERE id = 2",
      "SELECT * FROM t WHERE b = 3",
      "SELECT * FROM t WHERE b > 1 ORDER BY a",
      "SELECT count(*) FROM t",
      "SELECT b, count(*) FROM t GROUP BY b",
      "UPDATE t SET a = 'q' WHERE id = 1",
      "UPDATE t SET b = b + 10 WHERE id <= 2",
      "DELETE FROM t WHERE b = 3",
      "INSERT INTO t (a, b) VALUES ('r', 5) RETURNING id",
      "UPDATE t SET a = 'u' RETURNING id",
      "DELETE FROM t WHERE id = 4 RETURNING a",
      "CREATE TABLE u (k TEXT PRIMARY KEY, v) WITHOUT ROWID",
      "INSERT INTO u VALUES ('a', 1), ('b', 2)",
      "SELECT * FROM u WHERE k = 'b'",
      "CREATE TABLE IF NOT EXISTS t (x)",
      "CREATE VIEW tv AS SELECT a FROM t",
      "SELECT * FROM tv",
      "DROP VIEW tv",
      "DROP INDEX t_b",
      "DROP TABLE u",
      "SELECT 1",
      "CREATE TABLE s (id INTEGER PRIMARY KEY AUTOINCREMENT, v)",
      "INSERT INTO s (v) VALUES (1)",
      "INSERT INTO s (v) VALUES (2), (3)",
      "CREATE TABLE d0 (a)",
      "CREATE TABLE d1 (a UNIQUE, b)",
      "CREATE INDEX d1_b ON d1 (b)",
      "INSERT INTO d1 VALUES (1, 1), (2, 2)",
      "DROP TABLE d0",
      "DROP TABLE d1",
      "CREATE TABLE r (id INTEGER PRIMARY KEY, v)",
      "INSERT INTO r (v) VALUES (1), (2), (3) RETURNING id",
      "UPDATE r SET v = 0 RETURNING id",
      "DELETE FROM r RETURNING id",
    ];
    return statements.map((sql) => {
      const c = s.sql.exec(sql);
      const before = [c.rowsRead, c.rowsWritten];
      c.toArray();
      return [sql, before, [c.rowsRead, c.rowsWritten]];
    });
  },
  "cursor-lazy"(s) {
    s.sql.exec("CREATE TABLE l (n)");
    s.sql.exec("INSERT INTO l VALUES (1), (2), (3)");
    const c = s.sql.exec("SELECT n FROM l ORDER BY n");
    const first = c.next().value;
    s.sql.exec("INSERT INTO l VALUES (4)");
    return { first, rest: c.toArray().map((r) => r.n) };
  },
  "cursor-same-sql-twice"(s) {
    s.sql.exec("CREATE TABLE t2 (n)");
    s.sql.exec("INSERT INTO t2 VALUES (1), (2)");
    const a = s.sql.exec("SELECT n FROM t2 ORDER BY n");
    const b = s.sql.exec("SELECT n FROM t2 ORDER BY n");
    return { a1: a.next().value, b: b.toArray(), a2: a.toArray() };
  },
  "cursor-after-deleteall"(s) {
    s.sql.exec("CREATE TABLE g (n)");
    s.sql.exec("INSERT INTO g VALUES (1), (2), (3)");
    const c = s.sql.exec("SELECT n FROM g");
    c.next();
    s.deleteAll();
    return attempt(() => c.toArray());
  },

  // ---- SQL errors ---------------------------------------------------------------------------
  "sql-errors"(s) {
    s.sql.exec("CREATE TABLE e (id INTEGER PRIMARY KEY, u TEXT UNIQUE NOT NULL)");
    s.sql.exec("INSERT INTO e (u) VALUES ('x')");
    const q = (sql) => attempt(() => s.sql.exec(sql).toArray());
    return {
      syntax: q("SELEC 1"),
      syntaxLater: q("SELECT * FROM e WHERE"),
      noTable: q("SELECT * FROM missing"),
      noColumn: q("SELECT nope FROM e"),
      unique: q("INSERT INTO e (u) VALUES ('x')"),
      notNull: q("INSERT INTO e (u) VALUES (NULL)"),
      begin: q("BEGIN"),
      beginTxn: q("BEGIN TRANSACTION"),
      commit: q("COMMIT"),
      rollback: q("ROLLBACK"),
      savepoint: q("SAVEPOINT sp"),
      release: q("RELEASE sp"),
      attach: q("ATTACH DATABASE 'other.db' AS other"),
      detach: q("DETACH other"),
      pragmaJournal: q("PRAGMA journal_mode"),
      pragmaJournalSet: q("PRAGMA journal_mode = DELETE"),
      pragmaTableList: attempt(() => s.sql.exec("PRAGMA table_list").toArray().length > 0),
      pragmaTableInfo: q("PRAGMA table_info(e)"),
      pragmaForeignKeys: q("PRAGMA foreign_keys"),
      pragmaUserVersion: q("PRAGMA user_version"),
      pragmaCfInfo: q("PRAGMA table_info(_cf_KV)"),
      reserved: q("CREATE TABLE _cf_mine (x)"),
      reservedRead: q("SELECT * FROM _cf_KV"),
      reservedCase: q("CREATE TABLE _CF_Mine (x)"),
      version: q("SELECT sqlite_version()"),
      vacuum: q("VACUUM"),
      tempTable: q("CREATE TEMP TABLE tt (x)"),
      loadExt: q("SELECT load_extension('x')"),
      multiFail: q("INSERT INTO e (u) VALUES ('y'); INSERT INTO e (u) VALUES ('y')"),
      afterMultiFail: s.sql.exec("SELECT u FROM e ORDER BY id").raw().toArray(),
    };
  },
  "sql-error-shape"(s) {
    try {
      s.sql.exec("SELEC 1");
    } catch (e) {
      return {
        name: e.name,
        message: e.message,
        isError: e instanceof Error,
        ctor: e.constructor.name,
        own: names(e).filter((n) => n !== "stack"),
      };
    }
    return "no error";
  },
  "sql-size"(s) {
    const before = s.sql.databaseSize;
    s.sql.exec("CREATE TABLE sz (x)");
    return { before, after: s.sql.databaseSize, type: typeof before };
  },

  // ---- transactionSync ----------------------------------------------------------------------
  "txnsync"(s) {
    s.sql.exec("CREATE TABLE ts (n)");
    const out = {};
    out.value = s.transactionSync(() => {
      s.sql.exec("INSERT INTO ts VALUES (1)");
      return "kept";
    });
    out.thrown = attempt(() =>
      s.transactionSync(() => {
        s.sql.exec("INSERT INTO ts VALUES (2)");
        s.put("k", "inside");
        throw new TypeError("undo");
      }));
    out.rows = s.sql.exec("SELECT n FROM ts").raw().toArray();
    out.kv = describe(s.kv.get("k"));
    out.args = attempt(() => s.transactionSync((...a) => a.length));
    out.notFunction = attempt(() => s.transactionSync(5));
    out.noArg = attempt(() => s.transactionSync());
    out.sqlBegin = attempt(() => s.transactionSync(() => s.sql.exec("BEGIN")));
    return out;
  },

  // ---- Key-value API ------------------------------------------------------------------------
  async "kv-values"(s) {
    const circular = { name: "loop" };
    circular.self = circular;
    const values = {
      string: "s",
      number: 1.5,
      negZero: -0,
      nan: NaN,
      big: 12345678901234567890n,
      bool: true,
      nul: null,
      array: [1, [2, 3], { four: 4 }],
      object: { nested: { deep: [true] } },
      map: new Map([["a", 1], [2, "b"]]),
      set: new Set([1, "two"]),
      date: new Date(86400000),
      regexp: /a+b/gi,
      buffer: new Uint8Array([1, 2, 3]).buffer,
      u8: new Uint8Array([4, 5]),
      f64: new Float64Array([0.5]),
      sparse: [1, , 3],
      circular,
      error: new RangeError("stored error"),
      boxed: new String("boxed"),
    };
    const out = {};
    for (const [key, value] of Object.entries(values)) {
      await s.put(key, value);
      out[key] = describe(await s.get(key));
    }
    out.circularIsSame = await s.get("circular").then((v) => v.self === v);
    return out;
  },
  async "kv-put-errors"(s) {
    return {
      undefinedValue: await attemptAsync(() => s.put("k", undefined)),
      noArgs: await attemptAsync(() => s.put()),
      function: await attemptAsync(() => s.put("k", () => 1)),
      symbol: await attemptAsync(() => s.put("k", Symbol("x"))),
      entriesWithBadOptions: await attemptAsync(() => s.put({ a: 1 }, 5)),
      entriesWithOptions: await attemptAsync(() => s.put({ a: 1 }, { allowUnconfirmed: true })),
      weakMap: await attemptAsync(() => s.put("k", new WeakMap())),
      proxyKey: await attemptAsync(async () => {
        await s.put(12.5, "num");
        return s.get("12.5");
      }),
      nullKey: await attemptAsync(async () => {
        await s.put(null, "null key");
        return s.get("null");
      }),
      stored: describe(await s.list()),
    };
  },
  async "kv-get-delete-shapes"(s) {
    await s.put({ a: 1, b: 2, c: 3 });
    return {
      getNoArgs: await attemptAsync(() => s.get()),
      getNumber: await attemptAsync(() => s.get(1)),
      getMixedArray: await attemptAsync(() => s.get(["a", 1, "c"])),
      getResultIsPromise: s.get("a") instanceof Promise,
      deleteMany: await attemptAsync(() => s.delete(["a", "b", "zz"])),
      deleteOne: await attemptAsync(() => s.delete("c")),
      deleteNoArgs: await attemptAsync(() => s.delete()),
      getOptions: await attemptAsync(() => s.get("a", { allowConcurrency: true, noCache: true })),
      getBadOptions: await attemptAsync(() => s.get("a", 5)),
    };
  },
  async "kv-list"(s) {
    await s.put({ a: 1, ab: 2, abc: 3, b: 4, ba: 5, c: 6, "": 0, "\u00e9": 7, z: 8, "a\u0000": 9 });
    const L = async (options) => attemptAsync(async () => [...(await s.list(options)).keys()]);
    return {
      all: await L(),
      empty: await L({}),
      prefix: await L({ prefix: "a" }),
      prefixEmpty: await L({ prefix: "" }),
      start: await L({ start: "b" }),
      startAfter: await L({ startAfter: "b" }),
      end: await L({ end: "b" }),
      startEnd: await L({ start: "ab", end: "ba" }),
      reverse: await L({ reverse: true }),
      reverseLimit: await L({ reverse: true, limit: 2 }),
      limit: await L({ limit: 3 }),
      prefixStart: await L({ prefix: "a", start: "abc" }),
      prefixStartAfter: await L({ prefix: "a", startAfter: "ab" }),
      prefixEnd: await L({ prefix: "a", end: "abc" }),
      prefixOutside: await L({ prefix: "a", start: "b" }),
      both: await L({ start: "a", startAfter: "a" }),
      limitZero: await L({ limit: 0 }),
      limitNegative: await L({ limit: -1 }),
      limitFraction: await L({ limit: 1.5 }),
      limitString: await L({ limit: "2" }),
      limitHuge: await L({ limit: 2 ** 32 }),
      startNumber: await L({ start: 5 }),
      notObject: await L(5),
      endBeforeStart: await L({ start: "c", end: "a" }),
      values: describe(await s.list({ prefix: "ab" })),
      isMap: (await s.list()) instanceof Map,
    };
  },
  async "kv-limits"(s) {
    return {
      bigKey: await attemptAsync(async () => {
        await s.put("k".repeat(3000), 1);
        return s.get("k".repeat(3000));
      }),
      bigValue: await attemptAsync(async () => {
        await s.put("big", "x".repeat(3 * 1024 * 1024));
        return (await s.get("big")).length;
      }),
      tooBig: await attemptAsync(() => s.put("huge", "x".repeat(9 * 1024 * 1024))),
      tooBigKept: await s.get("huge"),
      symbolKey: await attemptAsync(() => s.get(Symbol("k"))),
      symbolOption: await attemptAsync(() => s.list({ prefix: Symbol("p") })),
      manyMissing: await attemptAsync(async () =>
        (await s.get(Array.from({ length: 200 }, (_, i) => "m" + i))).size),
    };
  },
  async "kv-deleteall"(s) {
    await s.put({ x: 1, y: 2 });
    s.sql.exec("CREATE TABLE d (n)");
    await s.setAlarm(Date.now() + 3600000);
    const r = await s.deleteAll();
    return {
      returned: describe(r),
      keys: [...(await s.list()).keys()],
      tables: s.sql.exec("SELECT name FROM sqlite_master WHERE name NOT LIKE '\\_cf%' ESCAPE '\\'")
        .raw().toArray(),
      alarmKept: (await s.getAlarm()) !== null,
    };
  },
  async "kv-sync-api"(s) {
    const kv = s.kv;
    const out = {};
    out.proto = names(Object.getPrototypeOf(kv));
    out.ctor = kv.constructor.name;
    out.putReturns = describe(kv.put("k1", { v: 1 }));
    kv.put("k2", [2]);
    kv.put("j1", "j");
    out.get = describe(kv.get("k1"));
    out.getMissing = describe(kv.get("nope"));
    out.asyncSees = describe(await s.get("k1"));
    const listed = kv.list({ prefix: "k" });
    out.listType = Object.prototype.toString.call(listed);
    out.listCtor = listed.constructor?.name;
    out.listIsIterator = typeof listed.next === "function";
    out.listEntries = describe([...listed]);
    out.listAll = describe([...kv.list()]);
    out.listReverse = describe([...kv.list({ reverse: true, limit: 2 })]);
    out.deleteReturns = kv.delete("k1");
    out.deleteMissing = kv.delete("k1");
    out.putUndefined = attempt(() => kv.put("u", undefined));
    out.getArray = attempt(() => kv.get(["k2"]));
    return out;
  },

  // ---- transaction() ------------------------------------------------------------------------
  async "txn-api"(s) {
    const out = {};
    let kept;
    out.result = await s.transaction(async (txn) => {
      kept = txn;
      out.proto = names(Object.getPrototypeOf(txn));
      out.ctor = txn.constructor.name;
      await txn.put("t", 1);
      out.inside = await txn.get("t");
      out.deleteAll = await attemptAsync(() => txn.deleteAll());
      return "done";
    });
    out.afterCommit = await attemptAsync(() => kept.get("t"));
    out.afterCommitPut = await attemptAsync(() => kept.put("t", 2));
    out.rolledBack = await attemptAsync(() =>
      s.transaction(async (txn) => {
        await txn.put("t", 3);
        txn.rollback();
        txn.rollback();
        return attemptAsync(() => txn.get("t"));
      }));
    out.rollbackThenPut = await attemptAsync(() =>
      s.transaction(async (txn) => {
        txn.rollback();
        await txn.put("t", 4);
      }));
    out.value = await s.get("t");
    out.notFunction = await attemptAsync(() => s.transaction(5));
    out.syncCallback = await attemptAsync(() => s.transaction(() => 7));
    out.throwsSync = await attemptAsync(() =>
      s.transaction(() => {
        throw new RangeError("sync throw");
      }));
    out.storageDeleteAllInside = await attemptAsync(() => s.transaction(async () => s.deleteAll()));
    return out;
  },
  async "storage-shape"(s) {
    return {
      proto: names(Object.getPrototypeOf(s)),
      ctor: s.constructor.name,
      own: names(s),
      sqlSame: s.sql === s.sql,
      kvSame: s.kv === s.kv,
    };
  },
};

const LEGACY = {
  async basics(s) {
    await s.put("a", { one: 1 });
    await s.put({ b: 2, c: new Map([[1, 2]]) });
    return {
      get: describe(await s.get("a")),
      many: describe(await s.get(["a", "b", "c", "d"])),
      list: describe(await s.list({ start: "b" })),
      deleted: await s.delete(["a", "zz"]),
      txn: await s.transaction(async (txn) => {
        await txn.put("t", "in txn");
        return txn.get("t");
      }),
      txnSync: attempt(() => s.transactionSync(() => "sync ok")),
    };
  },
  async sql(s) {
    return {
      sqlProperty: attempt(() => typeof s.sql),
      exec: attempt(() => s.sql.exec("SELECT 1")),
      size: attempt(() => s.sql.databaseSize),
      kv: attempt(() => s.kv),
      kvGet: attempt(() => s.kv.get("a")),
    };
  },
  async alarms(s) {
    return {
      before: await s.getAlarm(),
      set: await attemptAsync(() => s.setAlarm(Date.now() + 3600000)),
      after: typeof (await s.getAlarm()),
      deleted: await attemptAsync(() => s.deleteAlarm()),
      afterDelete: await s.getAlarm(),
    };
  },
};

export class Probe extends DurableObject {
  async run(name) {
    return describe(await CASES[name](this.ctx.storage));
  }
  async alarm() {}
}

export class Legacy extends DurableObject {
  async run(name) {
    return describe(await LEGACY[name](this.ctx.storage));
  }
  async alarm() {}
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, kind, name] = url.pathname.split("/");
    const table = kind === "case" ? CASES : kind === "legacy" ? LEGACY : null;
    if (!table || !(name in table)) return new Response("no such route\n", { status: 404 });
    const ns = kind === "case" ? env.PROBE : env.LEGACY;
    try {
      const result = await ns.getByName(name).run(name);
      return Response.json({ result });
    } catch (e) {
      return Response.json({ thrown: errorOf(e) });
    }
  },
};
