import { DurableObject } from "cloudflare:workers";

interface Env {
  GREETER: DurableObjectNamespace<Greeter>;
}

// Each path of the site gets its own Greeter, with its own database.
export class Greeter extends DurableObject<Env> {
  async greet(visitor: string): Promise<string> {
    const row = this.ctx.storage.sql
      .exec("SELECT 'Hello, ' || ? || '!' AS greeting", visitor)
      .one() as { greeting: string };
    return row.greeting;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const visitor = url.searchParams.get("name") ?? "World";
    const stub = env.GREETER.get(env.GREETER.idFromName(url.pathname));
    return new Response(await stub.greet(visitor));
  },
};
