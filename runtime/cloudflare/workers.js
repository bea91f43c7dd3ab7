// The classes of the `cloudflare:workers` module: the bases user code
// extends for Durable Objects, entrypoints and RPC targets.

// Base of every Durable Object class: keeps ctx and env on the instance.
export class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

// Base of a Worker's entrypoints, default or named.
export class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

// Objects of classes extending RpcTarget travel over RPC by reference.
export class RpcTarget {}
