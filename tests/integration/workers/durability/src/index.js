// Ledger records writes and answers only once they are durable (nothing awaited: the output
// gate holds the answer). Tally counts with read-modify-write across awaits (the input gate keeps
// concurrent increments from losing updates); Tally is a new_classes (key-value only) class.
import { DurableObject } from "cloudflare:workers";

export class Ledger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS entries (k TEXT PRIMARY KEY, v TEXT)");
  }

  record(key, value) {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO entries VALUES (?, ?)", key, value);
    this.ctx.storage.put("kv:" + key, { value });
    return "ok";
  }

  async entries() {
    const rows = this.ctx.storage.sql.exec("SELECT k, v FROM entries").toArray();
    const kv = await this.ctx.storage.list({ prefix: "kv:" });
    return { sql: Object.fromEntries(rows.map((r) => [r.k, r.v])),
             kv: Object.fromEntries([...kv].map(([k, v]) => [k.slice(3), v.value])) };
  }
}

export class Tally extends DurableObject {
  async increment() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }

  async total() {
    return (await this.ctx.storage.get("n")) ?? 0;
  }

  hello() {
    return "hello";
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("object") ?? "main";
    switch (url.pathname) {
      case "/record":
        return new Response(await env.LEDGER.getByName(name).record(
            url.searchParams.get("key"), url.searchParams.get("value")));
      case "/entries":
        return Response.json(await env.LEDGER.getByName(name).entries());
      case "/increment":
        return new Response(String(await env.TALLY.getByName(name).increment()));
      case "/total":
        return new Response(String(await env.TALLY.getByName(name).total()));
      case "/hello":
        return new Response(await env.TALLY.getByName(name).hello());
    }
    return new Response("no such route\n", { status: 404 });
  },
};
