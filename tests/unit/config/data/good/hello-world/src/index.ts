// The Worker of Cloudflare's hello-world Durable Object starter, in short: only its presence
// matters to the config tests.
import { DurableObject } from "cloudflare:workers";

export class MyDurableObject extends DurableObject<Env> {
  async sayHello(name: string): Promise<string> {
    return `Hello, ${name}!`;
  }
}

export default {
  async fetch(request, env, ctx): Promise<Response> {
    const stub = env.MY_DURABLE_OBJECT.getByName("foo");
    return new Response(await stub.sayHello("world"));
  },
} satisfies ExportedHandler<Env>;
