import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER)"
    );
  }

  increment(by = 1) {
    return this.ctx.storage.sql
      .exec(
        `INSERT INTO counter (id, value) VALUES (1, ?)
         ON CONFLICT (id) DO UPDATE SET value = value + excluded.value
         RETURNING value`,
        by
      )
      .one().value;
  }

  current() {
    const rows = this.ctx.storage.sql.exec("SELECT value FROM counter").toArray();
    return rows.length ? rows[0].value : 0;
  }
}

// GET /NAME reads the counter NAME; POST /NAME adds one to it.
export default {
  async fetch(request, env) {
    const name = new URL(request.url).pathname.slice(1) || "default";
    const counter = env.COUNTER.getByName(name);
    const value = request.method === "POST" ? await counter.increment() : await counter.current();
    return Response.json({ name, value });
  },
};
