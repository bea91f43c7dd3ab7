// Version 1: a Room keeps notes; Scratch is a key-value class.
import { DurableObject } from "cloudflare:workers";

class Notes extends DurableObject {
  async add(note) {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS notes (n TEXT)");
    this.ctx.storage.sql.exec("INSERT INTO notes VALUES (?)", note);
    await this.ctx.storage.setAlarm(Date.now() + 3600 * 1000);
    return this.list();
  }

  list() {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS notes (n TEXT)");
    return {
      id: this.ctx.id.toString(),
      kind: this.constructor.name,
      notes: this.ctx.storage.sql.exec("SELECT n FROM notes").raw().toArray().flat(),
    };
  }

  async alarm() {}
}

export class Room extends Notes {}

export class Scratch extends DurableObject {
  async put(value) {
    await this.ctx.storage.put("value", value);
    return this.ctx.storage.get("value");
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const ns = env[url.searchParams.get("binding") ?? "NOTES"];
    const stub = ns.getByName(url.searchParams.get("name") ?? "a");
    if (url.pathname === "/add") return Response.json(await stub.add(url.searchParams.get("note")));
    if (url.pathname === "/list") return Response.json(await stub.list());
    if (url.pathname === "/put") return Response.json(await stub.put(url.searchParams.get("value")));
    return new Response("no such route\n", { status: 404 });
  },
};
