import { DurableObject } from "cloudflare:workers";

export class Relay extends DurableObject {
  async hitThrough(name) {
    const count = await this.env.COUNTER.getByName(name).hit();
    return { relayedBy: this.ctx.id.name, count };
  }
}

export default {
  async fetch() {
    return new Response("relay");
  },
};
