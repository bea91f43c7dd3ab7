import { DurableObject } from "cloudflare:workers";

// One counter per name, kept in the object's SQLite database.
export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER NOT NULL)");
    ctx.storage.sql.exec("INSERT INTO hits SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM hits)");
  }
  hit() {
    return this.ctx.storage.sql.exec("UPDATE hits SET n = n + 1 RETURNING n").one().n;
  }
  fetch(request) {
    const n = this.ctx.storage.sql.exec("SELECT n FROM hits").one().n;
    return new Response(`counter ${this.ctx.id.name} is at ${n}\n`);
  }
}

export default {
  fetch() {
    return new Response("counter-host is reached through its Durable Object class\n");
  },
};
