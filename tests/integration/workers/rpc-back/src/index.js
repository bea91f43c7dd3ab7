import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

class Tally extends RpcTarget {
  #n = 0;
  add(k) {
    this.#n += k;
    return this.#n;
  }
}

export class Named extends WorkerEntrypoint {
  tally() {
    return new Tally();
  }
  async applyTwice(fn, x) {
    return await fn(await fn(x));
  }
  hello(who) {
    return `hello ${who} from ${this.env.BACK_VAR}`;
  }
  async fetch(request) {
    return new Response(`named ${request.method} ${request.url}`, { status: 203, statusText: "Named" });
  }
}

// A plain-object default export: RPC functions take (arg, env, ctx).
export default {
  async fetch(request, env) {
    const body = request.body === null ? "<none>" : await request.text();
    return new Response(`${request.method} ${new URL(request.url).pathname} ${request.headers.get("x-a")} ${body}`, {
      headers: { "x-back": env.BACK_VAR },
    });
  },
  one(arg, env, ctx) {
    return `one ${arg} ${env.BACK_VAR} ${typeof ctx.waitUntil}`;
  },
  two(a, b, env, ctx) {
    return "never";
  },
};
