import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER PRIMARY KEY)");
  }

  hit() {
    this.ctx.storage.sql.exec("INSERT INTO hits DEFAULT VALUES");
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM hits").one().n;
  }

  whoami() {
    return { id: this.ctx.id.toString(), name: this.ctx.id.name, owner: this.env.OWNER };
  }

  async fetch(request) {
    const url = new URL(request.url);
    return new Response(`counter ${this.ctx.id.name} saw ${request.method} ${url.pathname} ` +
      (await request.text()), { status: 202, headers: { "x-owner": this.env.OWNER } });
  }

  ping(value) {
    return value;
  }

  echo(value) {
    return value;
  }

  fail() {
    throw new RangeError("counter out of range");
  }

  // Never answers: the caller waits until this process goes away.
  hang() {
    console.log("hang started");
    return new Promise(() => {});
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "a";
    return Response.json({ count: await env.COUNTER.getByName(name).hit() });
  },
};
