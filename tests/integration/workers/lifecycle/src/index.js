import { DurableObject } from "cloudflare:workers";

// Constructions per object name, in module memory (one isolate).
const constructions = new Map();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Obj extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    const name = ctx.id.name;
    const n = (constructions.get(name) ?? 0) + 1;
    constructions.set(name, n);
    this.construction = n;
    this.log = [];
    this.calls = 0;
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v INTEGER)");
    if (name === "ctor-throws" && n === 1) throw new TypeError("constructor fails once");
    if (name === "ctor-bcw-fails" && n === 1) {
      ctx.blockConcurrencyWhile(async () => {
        await sleep(20);
        throw new RangeError("constructor blockConcurrencyWhile fails once");
      });
    }
    if (name === "ctor-bcw") {
      ctx.blockConcurrencyWhile(async () => {
        await sleep(50);
        this.log.push("init");
      });
    }
  }

  visit(label) {
    this.calls += 1;
    this.log.push(label);
    return { construction: this.construction, calls: this.calls, log: this.log };
  }

  // Awaits I/O (a call to another object): other events may run meanwhile.
  async awaitIo(label) {
    this.log.push(`${label} start`);
    await this.env.HELPER.getByName("helper").echo(label);
    this.log.push(`${label} end`);
    return this.log;
  }

  async exclusive(label, ms) {
    this.log.push(`enter ${label}`);
    return await this.ctx.blockConcurrencyWhile(async () => {
      await sleep(ms);
      this.log.push(`leave ${label}`);
      return `${label} done`;
    });
  }

  async order() {
    const order = [];
    order.push(1);
    const p = this.ctx.blockConcurrencyWhile(() => {
      order.push(2);
      return "value";
    });
    order.push(3);
    order.push(await p);
    return order;
  }

  async badArguments() {
    const out = [];
    for (const value of [undefined, 5, "x", {}]) {
      try {
        await this.ctx.blockConcurrencyWhile(value);
        out.push("ok");
      } catch (e) {
        out.push(`${e.name}: ${e.message}`);
      }
    }
    return out;
  }

  // A block's own I/O passes its gate, also in a nested block.
  async blockOnIo() {
    const helper = this.env.HELPER.getByName("helper");
    return await this.ctx.blockConcurrencyWhile(async () => {
      const outer = await helper.echo("outer");
      const inner = await this.ctx.blockConcurrencyWhile(async () => await helper.echo("inner"));
      return `${outer} ${inner} ${await helper.echo("after")}`;
    });
  }

  async nested() {
    return await this.ctx.blockConcurrencyWhile(async () => {
      const inner = await this.ctx.blockConcurrencyWhile(async () => "inner");
      return `outer(${inner})`;
    });
  }

  async failInBlock() {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO kv VALUES ('x', 1)");
    await this.ctx.blockConcurrencyWhile(async () => {
      await sleep(20);
      throw new Error("blockConcurrencyWhile fails");
    });
  }

  remember(value) {
    this.memory = value;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO kv VALUES ('v', ?)", value);
    return this.construction;
  }

  recall() {
    const rows = this.ctx.storage.sql.exec("SELECT v FROM kv WHERE k = 'v'").toArray();
    return {
      construction: this.construction,
      memory: this.memory ?? null,
      storage: rows.length ? rows[0].v : null,
    };
  }

  // Sets a timer that outlives the call.
  arm(ms) {
    setTimeout(() => console.log(`timer fired for ${this.ctx.id.name}`), ms);
    return this.construction;
  }

  async incrementSql() {
    const row = this.ctx.storage.sql.exec("SELECT v FROM kv WHERE k = 'n'").toArray();
    const n = (row.length ? row[0].v : 0) + 1;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO kv VALUES ('n', ?)", n);
    return n;
  }
}

export class Helper extends DurableObject {
  echo(value) {
    return value;
  }

  // Holds its caller until release() is called.
  async hold() {
    await new Promise((resolve) => (this.release = resolve));
    return "released";
  }

  free() {
    if (!this.release) return false;
    this.release();
    return true;
  }
}

async function settle(promise) {
  try {
    return await promise;
  } catch (e) {
    const flags = `${e.durableObjectReset ? " reset" : ""}${e.remote ? " remote" : ""}`;
    return { error: `${e.name}: ${e.message}${flags}` };
  }
}

const routes = {
  async burst(url, env) {
    const stub = env.OBJ.getByName(url.searchParams.get("name"));
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => stub.visit(`v${i}`)));
    return results.map((r) => [r.construction, r.calls]);
  },
  async interleave(url, env) {
    const stub = env.OBJ.getByName("interleave");
    const [a] = await Promise.all([stub.awaitIo("A"), stub.visit("B")]);
    return a;
  },
  async exclusive(url, env) {
    const stub = env.OBJ.getByName("exclusive");
    const results = await Promise.all([
      stub.exclusive("A", 60),
      stub.visit("during"),
      stub.exclusive("B", 5),
    ]);
    return { results: [results[0], results[2]], log: (await stub.visit("end")).log };
  },
  // An I/O completion of another event waits for a block to end.
  async exclusiveIo(url, env) {
    const stub = env.OBJ.getByName("exclusive-io");
    const results = await Promise.all([
      stub.exclusive("A", 60),
      stub.visit("during"),
      stub.awaitIo("io"),
      stub.exclusive("B", 30),
    ]);
    return { results: [results[0], results[3]], log: (await stub.visit("end")).log };
  },
  async blockOnIo(url, env) {
    return await env.OBJ.getByName("block-io").blockOnIo();
  },
  async ctorBlock(url, env) {
    const stub = env.OBJ.getByName("ctor-bcw");
    const results = await Promise.all([stub.visit("a"), stub.visit("b")]);
    return results.map((r) => r.log);
  },
  async order(url, env) {
    return await env.OBJ.getByName("order").order();
  },
  async badArguments(url, env) {
    return await env.OBJ.getByName("args").badArguments();
  },
  async nested(url, env) {
    return await env.OBJ.getByName("nested").nested();
  },
  async failInBlock(url, env) {
    const stub = env.OBJ.getByName("fail-in-block");
    await stub.visit("before");
    const [failed, waiting] = await Promise.all([settle(stub.failInBlock()), settle(stub.visit("queued"))]);
    const after = await env.OBJ.getByName("fail-in-block").visit("after");
    return { failed, waiting, after };
  },
  // An event still awaiting I/O when the object is reset fails at once.
  async failWhileRunning(url, env) {
    const stub = env.OBJ.getByName("fail-running");
    const running = settle(stub.awaitHold());
    const failed = await settle(stub.failInBlock());
    const result = { running: await running, failed };
    result.freed = await env.HELPER.getByName("holder").free();
    return result;
  },
  async ctorThrows(url, env) {
    const first = await settle(env.OBJ.getByName("ctor-throws").visit("a"));
    const again = await env.OBJ.getByName("ctor-throws").visit("c");
    return { first, again };
  },
  async ctorBlockFails(url, env) {
    const stub = env.OBJ.getByName("ctor-bcw-fails");
    const first = await Promise.all([settle(stub.visit("a")), settle(stub.visit("b"))]);
    const again = await env.OBJ.getByName("ctor-bcw-fails").visit("c");
    return { first, again };
  },
  async concurrent(url, env) {
    const stub = env.OBJ.getByName("concurrent");
    const n = 100;
    const sql = await Promise.all(Array.from({ length: n }, () => stub.incrementSql()));
    return { distinct: new Set(sql).size, max: Math.max(...sql) };
  },
  async remember(url, env) {
    return await env.OBJ.getByName(url.searchParams.get("name")).remember(Number(url.searchParams.get("value")));
  },
  async recall(url, env) {
    return await env.OBJ.getByName(url.searchParams.get("name")).recall();
  },
  async arm(url, env) {
    return await env.OBJ.getByName(url.searchParams.get("name")).arm(Number(url.searchParams.get("ms")));
  },
  // Calls hold() on the helper through an Obj event that stays in flight.
  async holdThrough(url, env) {
    return await env.OBJ.getByName(url.searchParams.get("name")).awaitHold();
  },
  hex(url, env) {
    return env.OBJ.idFromName(url.searchParams.get("name")).toString();
  },
  async free(url, env) {
    return await env.HELPER.getByName("holder").free();
  },
};

Obj.prototype.awaitHold = async function () {
  await this.env.HELPER.getByName("holder").hold();
  return this.construction;
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const route = routes[url.pathname.slice(1)];
    if (!route) return new Response("no route", { status: 404 });
    try {
      return Response.json(await route(url, env));
    } catch (e) {
      return Response.json({ uncaught: `${e?.name}: ${e?.message}` }, { status: 500 });
    }
  },
};
