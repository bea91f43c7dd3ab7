import { DurableObject } from "cloudflare:workers";

export class Thing extends DurableObject {
  async hiddenFromInside() {
    return await this.ctx.exports.Hidden.getByName("h").bump();
  }
}

// Declared in migrations, named by no binding.
export class Hidden extends DurableObject {
  count = 0;

  bump() {
    this.count += 1;
    return `${this.ctx.id.name} ${this.count}`;
  }
}

export default {
  async fetch(request, env, ctx) {
    if (ctx.exports === undefined) return Response.json({ exports: "undefined" });
    const hidden = ctx.exports.Hidden;
    return Response.json({
      keys: Object.keys(ctx.exports).sort(),
      same: ctx.exports === ctx.exports,
      constructor: hidden.constructor.name,
      tag: Object.prototype.toString.call(hidden),
      sameIdsAsEnv:
        ctx.exports.Thing.idFromName("a").toString() === env.THING.idFromName("a").toString(),
      fromFetch: await hidden.getByName("h").bump(),
      fromInside: await env.THING.getByName("t").hiddenFromInside(),
      euFromExports: (await hidden.jurisdiction("eu").getByName("h").bump()),
    });
  },
};
