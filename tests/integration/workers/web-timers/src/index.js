import { DurableObject } from "cloudflare:workers";

function attempt(fn) {
  try {
    const value = fn();
    return value === undefined ? "undefined" : value;
  } catch (e) {
    return { error: { name: e.name, message: e.message, ctor: e.constructor.name } };
  }
}

function caught(fn) {
  try {
    fn();
    return "no error";
  } catch (e) {
    return { name: e.name, message: e.message };
  }
}

// What global-scope code gets, as workerd refuses timers there.
const atGlobalScope = {
  setTimeout: caught(() => setTimeout(() => {}, 1)),
  setInterval: caught(() => setInterval(() => {}, 1)),
  performanceNow: performance.now(),
  queueMicrotask: caught(() => queueMicrotask(() => {})),
};

// Timers left behind by earlier requests report here.
const fired = [];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Ticker extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.fired = [];
  }

  // Sets a timer and returns at once: an object's timers outlive the call.
  arm(label, ms) {
    setTimeout(() => this.fired.push(label), ms);
    return "armed";
  }

  async firedAfter(ms) {
    await sleep(ms);
    return this.fired;
  }

  async order() {
    const order = [];
    await new Promise((resolve) => {
      setTimeout(() => {
        order.push("t1");
        Promise.resolve().then(() => order.push("t1-micro"));
      }, 1);
      setTimeout(() => {
        order.push("t0");
        Promise.resolve().then(() => order.push("t0-micro"));
      }, 0);
      setTimeout(() => {
        order.push("t5");
        resolve();
      }, 5);
      queueMicrotask(() => order.push("qm"));
      order.push("sync");
    });
    return order;
  }
}

async function orderChecks() {
  const order = [];
  await new Promise((resolve) => {
    setTimeout(() => {
      order.push("t1");
      Promise.resolve().then(() => order.push("t1-micro"));
    }, 1);
    setTimeout(() => {
      order.push("t0");
      Promise.resolve().then(() => order.push("t0-micro"));
    }, 0);
    setTimeout(() => order.push("t0b"), 0);
    setTimeout(() => order.push("tneg"), -1);
    setTimeout(() => order.push("tnan"), "soon");
    setTimeout(() => {
      order.push("t5");
      resolve();
    }, 5);
    queueMicrotask(() => order.push("qm"));
    Promise.resolve().then(() => order.push("promise"));
    order.push("sync");
  });
  return order;
}

function argumentChecks() {
  return {
    noFunction: attempt(() => setTimeout()),
    stringCode: attempt(() => setTimeout("1+1", 1)),
    intervalNoFunction: attempt(() => setInterval(1)),
    queueMicrotaskString: attempt(() => queueMicrotask("x")),
    clearNoArgument: attempt(() => clearTimeout()),
    clearIntervalNoArgument: attempt(() => clearInterval()),
    clearOdd: [clearTimeout(undefined), clearTimeout("x"), clearTimeout({}), clearInterval(-1)].map(String),
    bigintDelay: attempt(() => setTimeout(() => {}, 10n)),
    symbolDelay: attempt(() => setTimeout(() => {}, Symbol("s"))),
    lengths: [setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask, structuredClone].map(
      (f) => [f.name, f.length],
    ),
  };
}

async function idChecks() {
  const a = setTimeout(() => {}, 50);
  const b = setInterval(() => {}, 50);
  clearTimeout(a);
  clearInterval(b);
  const ran = [];
  // Either clear function clears either kind of timer.
  const interval = setInterval(() => ran.push("interval"), 1);
  clearTimeout(interval);
  const timeout = setTimeout(() => ran.push("timeout"), 1);
  clearInterval(timeout);
  let ticks = 0;
  let thisValue;
  const args = await new Promise((resolve) => {
    const id = setInterval(
      function (x, y) {
        thisValue = this;
        ticks++;
        if (ticks === 3) {
          clearInterval(id);
          resolve([x, y]);
        }
      },
      0,
      "x",
      2,
    );
  });
  await sleep(5);
  return {
    types: [typeof a, typeof b],
    increasing: b > a && interval > b && timeout > interval,
    ran,
    ticks,
    args,
    thisIsGlobal: thisValue === globalThis,
  };
}

async function throwingTimer() {
  setTimeout(() => {
    throw new Error("boom in timer");
  }, 0);
  queueMicrotask(() => {
    throw new TypeError("boom in microtask");
  });
  Promise.reject(new RangeError("nobody handles this"));
  await sleep(10);
  return "still running";
}

function globalsChecks() {
  const descriptor = (object, key) => {
    const d = Object.getOwnPropertyDescriptor(object, key);
    return d && { writable: d.writable, enumerable: d.enumerable, configurable: d.configurable };
  };
  return {
    atGlobalScope,
    userAgent: navigator.userAgent,
    navigator: Object.getOwnPropertyNames(navigator).map((k) => [k, navigator[k]]),
    userAgentDescriptor: descriptor(navigator, "userAgent"),
    navigatorTag: Object.prototype.toString.call(navigator),
    newNavigator: attempt(() => new Navigator()),
    sendBeaconNoArgument: attempt(() => navigator.sendBeacon()),
    performanceTag: String(performance),
    performanceKeys: Object.keys(Object.getPrototypeOf(performance)),
    timeOrigin: performance.timeOrigin,
    nowIsDateNow: (() => {
      const before = Date.now();
      const now = performance.now();
      return Number.isInteger(now) && now >= before && now <= Date.now();
    })(),
    nowWrongThis: attempt(() => performance.now.call({})),
    schedulerTag: String(scheduler),
    schedulerKeys: Object.keys(Object.getPrototypeOf(scheduler)),
    selfIsGlobal: self === globalThis,
  };
}

async function schedulerChecks() {
  const value = await scheduler.wait(5);
  const before = Date.now();
  await scheduler.wait(20);
  const controller = new AbortController();
  const waiting = scheduler.wait(10000, { signal: controller.signal });
  controller.abort();
  const aborted = await waiting.then(() => "resolved", (e) => [e.name, e.message]);
  const early = await scheduler.wait(1, { signal: AbortSignal.abort("why") })
    .then(() => "resolved", (e) => [typeof e, e?.name, e?.message, String(e)]);
  const timeout = AbortSignal.timeout(5);
  const byTimeout = await scheduler.wait(10000, { signal: timeout })
    .then(() => "resolved", (e) => [e.name, e.message]);
  return { value: String(value), waited: Date.now() - before >= 20, aborted, early, byTimeout };
}

function cloneChecks() {
  const original = { when: new Date(0), tags: new Set(["a"]), map: new Map([[1, { deep: true }]]) };
  original.self = original;
  const copy = structuredClone(original);
  const buffer = new Uint8Array([5, 6, 7]).buffer;
  const moved = structuredClone({ buffer }, { transfer: [buffer, buffer] });
  const shared = new SharedArrayBuffer(2);
  const sharedCopy = structuredClone(shared);
  new Uint8Array(sharedCopy)[0] = 9;
  const error = structuredClone(Object.assign(new RangeError("r"), { cause: "c" }));
  return {
    cycle: copy.self === copy && copy !== original,
    deep: [copy.when.getTime(), copy.tags.has("a"), copy.map.get(1).deep],
    transfer: [buffer.byteLength, moved.buffer.byteLength, [...new Uint8Array(moved.buffer)]],
    sharedIsShared: new Uint8Array(shared)[0],
    error: [error.name, error.message, error instanceof RangeError, error.cause],
    function: attempt(() => structuredClone({ f: () => 1 })),
    symbol: attempt(() => structuredClone(Symbol("s"))),
    weakMap: attempt(() => structuredClone(new WeakMap())),
    notTransferable: attempt(() => structuredClone(1, { transfer: [{}] })),
    transferNotArray: attempt(() => structuredClone(1, { transfer: 5 })),
    optionsNotObject: attempt(() => structuredClone(1, 5)),
    optionsNull: structuredClone(1, null),
    noArgument: attempt(() => structuredClone()),
    dataCloneErrorCode: (() => {
      try {
        structuredClone(() => 1);
      } catch (e) {
        return [e instanceof DOMException, e.code];
      }
    })(),
  };
}

async function hostCloneChecks() {
  const out = {};
  const makers = {
    url: () => new URL("http://x/"), usp: () => new URLSearchParams("a=1"),
    response: () => new Response("x"), file: () => new File(["x"], "f"),
    formData: () => new FormData(), signal: () => new AbortController().signal,
    event: () => new Event("x"), stream: () => new ReadableStream(),
    encoder: () => new TextEncoder(),
    key: () => crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, true, ["sign"]),
  };
  for (const [name, make] of Object.entries(makers)) {
    const value = await make();
    out[name] = attempt(() => structuredClone({ nested: [value] }));
  }
  const headers = structuredClone(new Headers({ a: "1" }));
  const blob = structuredClone(new Blob(["xy"], { type: "a/b" }));
  const error = structuredClone(new DOMException("m", "AbortError"));
  const request = structuredClone(new Request("http://x/", { method: "DELETE" }));
  out.headers = [Object.prototype.toString.call(headers), [...headers]];
  out.blob = [blob.type, await blob.text()];
  out.domException = [error.name, error.message, error.code, error instanceof DOMException];
  out.request = [request.method, request.url];
  const shared = new Headers({ b: "2" });
  const nested = structuredClone({
    list: [shared, shared, new Blob(["n"])],
    map: new Map([["h", shared]]),
    set: new Set([1, new DOMException("d", "TimeoutError"), 3]),
    when: new Date(5),
  });
  out.nested = [
    nested.list[0] instanceof Headers, nested.list[0] === nested.list[1],
    nested.list[0] === nested.map.get("h"), nested.list[0] !== shared,
    [...nested.list[0]], await nested.list[2].text(),
    [...nested.set].map((x) => (typeof x === "object" ? x.name : x)),
    nested.when.getTime(),
  ];
  return out;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/order":
        return Response.json(await orderChecks());
      case "/arguments":
        return Response.json(argumentChecks());
      case "/ids":
        return Response.json(await idChecks());
      case "/throwing":
        return new Response(await throwingTimer());
      case "/globals":
        return Response.json(globalsChecks());
      case "/scheduler":
        return Response.json(await schedulerChecks());
      case "/clone":
        return Response.json(cloneChecks());
      case "/clone-host":
        return Response.json(await hostCloneChecks());
      case "/leave-timer":
        // The response goes before the timer is due: workerd cancels it.
        setTimeout(() => fired.push("left behind"), 20);
        return new Response("left");
      case "/wait-until":
        // ctx.waitUntil keeps the request, and its timers, alive.
        ctx.waitUntil(sleep(20).then(() => fired.push("kept by waitUntil")));
        setTimeout(() => fired.push("timer beside waitUntil"), 10);
        ctx.waitUntil(Promise.reject(new Error("waitUntil rejected")));
        return new Response("waiting");
      case "/fired":
        // Waits past every earlier request's timers, then reports them.
        await sleep(Number(url.searchParams.get("after") ?? 60));
        return Response.json(fired.splice(0));
      case "/context":
        return Response.json({
          tag: Object.prototype.toString.call(ctx),
          methods: Object.keys(Object.getPrototypeOf(ctx)),
          props: ctx.props,
          waitUntilNoArgument: attempt(() => ctx.waitUntil()),
          waitUntilValue: attempt(() => ctx.waitUntil("not a promise")),
          passThrough: attempt(() => ctx.passThroughOnException()),
          wrongThis: attempt(() => ctx.waitUntil.call({}, Promise.resolve())),
        });
      case "/beacon":
        return Response.json(navigator.sendBeacon(new URL("/beacon-sink", url), "ping"));
      case "/beacon-sink":
        fired.push(`beacon ${request.method} ${await request.text()}`);
        return new Response("sunk");
      case "/do-arm":
        return new Response(await env.TICKER.getByName("t").arm(url.searchParams.get("label"), 20));
      case "/do-fired":
        return Response.json(await env.TICKER.getByName("t").firedAfter(60));
      case "/do-order":
        return Response.json(await env.TICKER.getByName("o").order());
    }
    return new Response("no such route\n", { status: 404 });
  },
};
