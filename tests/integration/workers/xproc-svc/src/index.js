import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

class Tally extends RpcTarget {
  constructor() {
    super();
    this.total = 0;
  }

  add(amount) {
    this.total += amount;
    return this.total;
  }
}

export class Admin extends WorkerEntrypoint {
  whoami() {
    return `admin of ${this.env.NAME}`;
  }
}

export default class extends WorkerEntrypoint {
  add(a, b) {
    return a + b;
  }

  // The function runs back in the caller's process.
  async callBack(fn) {
    return { got: await fn(21) };
  }

  tally() {
    return new Tally();
  }

  // A stream the caller pulls, chunk by chunk, across the process boundary.
  countTo(n) {
    let i = 0;
    return new ReadableStream({
      pull(controller) {
        if (i === n) controller.close();
        else controller.enqueue(new TextEncoder().encode(`${++i},`));
      },
    });
  }

  // A stream of the caller's, pulled from here.
  async total(stream) {
    const text = await new Response(stream).text();
    return text.split(",").filter(Boolean).reduce((sum, n) => sum + Number(n), 0);
  }

  fail() {
    throw new TypeError("svc failed");
  }

  hang() {
    console.log("svc hang started");
    return new Promise(() => {});
  }

  async fetch(request) {
    const url = new URL(request.url);
    const body = await request.text();
    const parts = [request.method, url.pathname + url.search, request.headers.get("x-test"), body];
    const encoder = new TextEncoder();
    const stream = new ReadableStream({
      start(controller) {
        for (const part of parts) controller.enqueue(encoder.encode(`${part};`));
        controller.close();
      },
    });
    return new Response(stream, { status: 201, headers: { "x-back": "yes" } });
  }
}
