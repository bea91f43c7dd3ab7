import { DurableObject } from "cloudflare:workers";

let constructed = 0;

class QuotaError extends Error {
  constructor(message) {
    super(message);
    this.name = "QuotaError";
  }
}

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    constructed++;
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER PRIMARY KEY, at TEXT)");
  }

  hit() {
    this.ctx.storage.sql.exec("INSERT INTO hits (at) VALUES (?)", "now");
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM hits").one().n;
  }

  whoami() {
    return { id: this.ctx.id.toString(), name: this.ctx.id.name, constructed };
  }

  fail(kind) {
    if (kind === "range") throw new RangeError("counter out of range");
    if (kind === "custom") throw new QuotaError("over quota");
    throw new Error("plain failure");
  }

  async failLater() {
    await null;
    throw new TypeError("failed after await");
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, route, name = "default"] = url.pathname.split("/");
    const stub = env.COUNTER.getByName(name);
    switch (route) {
      case "hit":
        return Response.json({ name, count: await stub.hit() });
      case "whoami":
        return Response.json(await stub.whoami());
      case "fail":
      case "fail-later":
        try {
          await (route === "fail" ? stub.fail(url.searchParams.get("kind")) : stub.failLater());
          return new Response("no error");
        } catch (e) {
          return Response.json(
            { name: e.name, message: e.message, isRange: e instanceof RangeError, remote: e.remote },
            { status: 500 },
          );
        }
      case "vars":
        return Response.json({ greeting: env.GREETING, max: env.LIMITS.max });
      case "echo":
        return new Response(await request.text(), {
          status: 201,
          headers: { "x-method": request.method, "x-seen": request.headers.get("x-test") ?? "" },
        });
      case "log":
        console.log("logged", { from: "worker" });
        return new Response("ok");
      case "throw":
        throw new Error("worker route threw");
    }
    return new Response("no such route", { status: 404 });
  },
};
