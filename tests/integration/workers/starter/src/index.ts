// Shaped like Cloudflare's Durable Object starter: TypeScript, an RPC method
// reading SQL, reached through idFromName(path) and get(id).
import { DurableObject } from "cloudflare:workers";

type Env = { GREETING: DurableObjectNamespace<Greeting> };

export class Greeting extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
  }

  async say(): Promise<string> {
    const row = this.ctx.storage.sql.exec("SELECT 'Hello, World!' as greeting").one() as {
      greeting: string;
    };
    return row.greeting;
  }
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const id: DurableObjectId = env.GREETING.idFromName(new URL(request.url).pathname);
    const stub = env.GREETING.get(id);
    return new Response(await stub.say());
  },
} satisfies ExportedHandler<Env>;
