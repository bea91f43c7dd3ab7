import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

// State that lives in this Worker; the gateway holds a stub of it.
class Session extends RpcTarget {
  #name;
  #visits = 0;
  constructor(name) {
    super();
    this.#name = name;
  }
  visit() {
    this.#visits += 1;
    return `${this.#name} visit ${this.#visits}`;
  }
}

// A named entrypoint: its public methods are RPC methods.
export class AccountsApi extends WorkerEntrypoint {
  lookup(name) {
    return { name, region: this.env.REGION, since: new Date(Date.UTC(2024, 0, 1)) };
  }
  openSession(name) {
    return new Session(name);
  }
}

// The default entrypoint answers HTTP.
export default {
  fetch(request) {
    return new Response(`accounts is up (${request.method} ${new URL(request.url).pathname})\n`);
  },
};
