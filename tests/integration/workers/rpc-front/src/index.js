import { DurableObject } from "cloudflare:workers";

export class Echo extends DurableObject {
  #open = null;
  echo(v) {
    return v;
  }
  #arrivals = [];
  push(i) {
    this.#arrivals.push(i);
    return this.#arrivals.length;
  }
  arrivals() {
    return this.#arrivals;
  }
  // Opens the gate the second chunk of streamed() waits for.
  open() {
    this.#open?.("opened");
    return "opened";
  }
  streamed() {
    const gate = new Promise((resolve) => (this.#open = resolve));
    const encoder = new TextEncoder();
    let step = 0;
    return new Response(new ReadableStream({
      async pull(controller) {
        step += 1;
        if (step === 1) controller.enqueue(encoder.encode("first"));
        else if (step === 2) controller.enqueue(encoder.encode(await gate));
        else controller.close();
      },
    }));
  }
  get value() {
    return { nested: { deep: 7 } };
  }
  async fetch(request) {
    return new Response(`echo saw ${request.method} ${request.url}`);
  }
}

async function settle(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: { name: e?.name, message: e?.message } };
  }
}

const routes = {
  "/service-rpc": (env) => env.NAMED.hello("front"),
  "/service-fetch": async (env) => {
    const res = await env.BACK.fetch("https://back.internal/p?q=1", { method: "POST", headers: { "x-a": "A" }, body: "data" });
    return { status: res.status, header: res.headers.get("x-back"), body: await res.text() };
  },
  "/named-fetch": async (env) => {
    const res = await env.NAMED.fetch("http://any.host/x");
    return { status: res.status, statusText: res.statusText, body: await res.text() };
  },
  "/plain-one": (env) => env.BACK.one("arg"),
  "/plain-two": (env) => env.BACK.two(1, 2),
  "/plain-no-args": (env) => env.BACK.one(),
  "/reserved": (env) => env.NAMED.connectX(),
  "/not-loaded": (env) => env.GONE.anything(),
  "/not-loaded-fetch": async (env) => {
    const response = await env.GONE.fetch("http://x/");
    return { status: response.status, body: await response.text() };
  },
  "/relative": (env) => env.BACK.fetch("/relative"),
  "/scheme": (env) => env.BACK.fetch("ws://x/"),
  "/pipeline-get": async (env) => await env.ECHO.getByName("a").value.nested.deep,
  "/null-proto": (env) => env.ECHO.getByName("a").echo(Object.create(null)),
  "/class-instance": (env) => env.ECHO.getByName("a").echo(new (class Thing {})()),
  "/symbol": (env) => env.ECHO.getByName("a").echo(Symbol("s")),
  "/service-limit": async (env) => {
    const results = [];
    for (let i = 0; i < 33; i++) {
      try {
        await env.NAMED.hello(i);
        results.push("ok");
      } catch (e) {
        results.push(`${e.name}: ${e.message}`);
      }
    }
    return { ok: results.filter((r) => r === "ok").length, last: results[32] };
  },
  "/subrequest-limit": async (env) => {
    const stub = env.ECHO.getByName("a");
    const results = [];
    for (let i = 0; i < 4; i++) {
      try {
        results.push(await stub.echo(i));
      } catch (e) {
        results.push(`${e.name}: ${e.message}`);
      }
    }
    return results;
  },
  "/by-reference": async (env) => {
    const tally = await env.NAMED.tally();
    const first = await tally.add(2);
    const second = await tally.add(3);
    const viaPipeline = await env.NAMED.tally().add(5);
    const twice = await env.NAMED.applyTwice((x) => x * 10, 3);
    tally[Symbol.dispose]();
    let after;
    try {
      after = await tally.add(1);
    } catch (e) {
      after = `${e.name}: ${e.message}`;
    }
    return { first, second, viaPipeline, twice, typeofTally: typeof tally, after };
  },
  // The first chunk arrives before the object has made the second: the
  // body is streamed, not sent whole.
  "/streamed": async (env) => {
    const stub = env.ECHO.getByName("s");
    const response = await stub.streamed();
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const first = decoder.decode((await reader.read()).value);
    const opened = await stub.open();
    const second = await reader.read();
    const end = await reader.read();
    return { first, opened, second: decoder.decode(second.value), done: end.done };
  },
  "/request-arg": async (env) => {
    const request = new Request("https://x.example/p", { method: "PUT", headers: { "x-h": "1" }, body: "b" });
    const seen = await env.ECHO.getByName("a").echo(request);
    return { isRequest: seen instanceof Request, url: seen.url, method: seen.method, h: seen.headers.get("x-h"), body: await seen.text() };
  },
  // Calls from one caller to one object arrive in the order they were made.
  "/order": async (env) => {
    const stub = env.ECHO.getByName("order");
    const pending = [];
    for (let i = 0; i < 40; i++) pending.push(stub.push(i));
    await Promise.all(pending);
    return await stub.arrivals();
  },
  "/dispose": async (env) => {
    const v = await env.ECHO.getByName("a").echo({ a: 1 });
    const d = Object.getOwnPropertyDescriptor(v, Symbol.dispose);
    return { keys: Object.keys(v), type: typeof d.value, enumerable: d.enumerable, text: String(Symbol.dispose) };
  },
};

export default {
  async fetch(request, env) {
    const route = routes[new URL(request.url).pathname];
    if (!route) return new Response("no route", { status: 404 });
    return Response.json(await settle(() => route(env)));
  },
};
