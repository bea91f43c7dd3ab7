import { DurableObject } from "cloudflare:workers";

// In this process: the in-process twin of the remote calls, for comparison.
export class Local extends DurableObject {
  ping(value) {
    return value;
  }
}

async function outcome(promise) {
  try {
    return { value: await promise };
  } catch (e) {
    return { error: { name: e.name, message: e.message, remote: e.remote ?? false } };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "a";
    const remote = env.REMOTE.getByName(name);
    switch (url.pathname) {
      case "/hit":
        return Response.json(await outcome(remote.hit()));
      case "/whoami": {
        const id = env.REMOTE.idFromName(name).toString();
        const got = await outcome(remote.whoami());
        return Response.json({ ...got, sameId: got.value?.id === id });
      }
      case "/echo": {
        const value = {
          text: "héllo\u0000", big: 2n ** 70n, nan: NaN, negZero: -0,
          date: new Date(0), map: new Map([[1, "one"]]), set: new Set(["x"]),
          bytes: new Uint8Array([1, 2, 3]), nested: { list: [1, , 3] },
        };
        const got = await remote.echo(value);
        return Response.json({
          text: got.text === value.text, big: got.big === value.big,
          nan: Number.isNaN(got.nan), negZero: Object.is(got.negZero, -0),
          date: got.date instanceof Date && got.date.getTime() === 0,
          map: got.map.get(1), set: got.set.has("x"),
          bytes: Array.from(got.bytes), hole: !(1 in got.nested.list),
        });
      }
      case "/large": {
        const size = Number(url.searchParams.get("size") ?? 1048576);
        const got = await remote.echo(new Uint8Array(size).fill(7));
        return Response.json({ length: got.length, last: got[size - 1] });
      }
      case "/many": {
        const count = Number(url.searchParams.get("count") ?? 50);
        const calls = [];
        for (let i = 0; i < count; i++) calls.push(remote.echo(i));
        return Response.json(await Promise.all(calls));
      }
      case "/stub-fetch": {
        const response = await remote.fetch("http://do/inside", { method: "POST", body: "hi" });
        return Response.json({
          status: response.status,
          owner: response.headers.get("x-owner"),
          body: await response.text(),
        });
      }
      case "/fail":
        return Response.json(await outcome(remote.fail()));
      case "/hang":
        return Response.json(await outcome(remote.hang()));
      case "/relay":
        return Response.json(await outcome(env.RELAY.getByName("r").hitThrough(name)));
      case "/rtt": {
        // Sequential round trips, timed inside the Worker: remote, then in-process.
        const count = Number(url.searchParams.get("count") ?? 1000);
        const local = env.LOCAL.getByName(name);
        const time = async (stub) => {
          await stub.ping(0);
          const start = Date.now();
          for (let i = 0; i < count; i++) await stub.ping(i);
          return ((Date.now() - start) * 1000) / count;
        };
        return Response.json({ count, remoteUs: await time(remote), localUs: await time(local) });
      }
    }
    return new Response("no such route", { status: 404 });
  },
};
