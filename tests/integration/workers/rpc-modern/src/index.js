import { DurableObject, RpcTarget } from "cloudflare:workers";

class QuotaError extends Error {
  constructor(message) {
    super(message);
    this.name = "QuotaError";
    this.code = 429;
  }
}

class Counter extends RpcTarget {
  #n = 0;
  bump() {
    return ++this.#n;
  }
}

export class Thrower extends DurableObject {
  quota() {
    throw new QuotaError("over quota");
  }
  withCause() {
    throw new Error("outer", { cause: new RangeError("inner") });
  }
  withFunction() {
    const e = new Error("has a function");
    e.fn = () => 1;
    throw e;
  }
  counter() {
    return new Counter();
  }
  async use(counter) {
    return await counter.bump();
  }
}

function describe(e) {
  return {
    ctor: e.constructor.name,
    name: e.name,
    message: e.message,
    own: Object.getOwnPropertyNames(e).filter((k) => k !== "stack").sort(),
    code: e.code ?? null,
    cause: e.cause ? `${e.cause.name}: ${e.cause.message}` : null,
    hasObjectId: typeof e.durableObjectId === "string" && e.durableObjectId.length === 64,
  };
}

export default {
  async fetch(request, env) {
    const stub = env.THROWER.getByName("t");
    const out = {};
    for (const kind of ["quota", "withCause", "withFunction"]) {
      try {
        await stub[kind]();
      } catch (e) {
        out[kind] = describe(e);
      }
    }
    // With rpc_params_dup_stubs, a stub passed as a param stays usable.
    const counter = await stub.counter();
    out.params = [await counter.bump(), await stub.use(counter), await counter.bump()];
    return Response.json(out);
  },
};
