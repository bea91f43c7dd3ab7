import { DurableObject } from "cloudflare:workers";

export class Thing extends DurableObject {
  count = 0;

  bump() {
    this.count += 1;
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (n INTEGER)");
    this.ctx.storage.sql.exec("INSERT INTO t VALUES (?)", this.count);
    return this.count;
  }

  whoami() {
    const id = this.ctx.id;
    return {
      hex: id.toString(),
      name: show(id.name),
      jurisdiction: show(id.jurisdiction),
      keys: Object.keys(id),
      json: JSON.stringify(id),
      constructor: id.constructor.name,
    };
  }
}

export class Other extends DurableObject {
  hi() {
    return "hi";
  }
}

const show = (v) => (v === undefined ? "<undefined>" : v);

function attempt(fn) {
  try {
    const v = fn();
    if (v && typeof v === "object") return { ok: "id" in v && "name" in v ? "stub" : v.constructor.name };
    return { ok: show(v) };
  } catch (e) {
    return { error: `${e?.name}: ${e?.message}` };
  }
}

const routes = {
  // Wrong argument types, each as workerd reports it.
  arguments(env) {
    const ns = env.THING;
    const id = ns.idFromName("x");
    return {
      idFromNameMissing: attempt(() => ns.idFromName()),
      idFromNameUndefined: attempt(() => ns.idFromName(undefined).name),
      idFromNameNull: attempt(() => ns.idFromName(null).name),
      idFromNameSymbol: attempt(() => ns.idFromName(Symbol("s"))),
      idFromNameObject: attempt(() => ns.idFromName({}).name),
      idFromNameBigInt: attempt(() => ns.idFromName(10n).name),
      idFromStringMissing: attempt(() => ns.idFromString()),
      idFromStringUndefined: attempt(() => ns.idFromString(undefined)),
      idFromStringSymbol: attempt(() => ns.idFromString(Symbol())),
      idFromStringOtherNamespace: attempt(() => env.OTHER.idFromString(id.toString())),
      idFromStringOtherBinding: attempt(() => env.THING2.idFromString(id.toString()).equals(id)),
      newUniqueIdString: attempt(() => ns.newUniqueId("x")),
      newUniqueIdNumber: attempt(() => ns.newUniqueId(5)),
      newUniqueIdNull: attempt(() => ns.newUniqueId(null)),
      newUniqueIdArray: attempt(() => ns.newUniqueId([])),
      newUniqueIdNullJurisdiction: attempt(() => ns.newUniqueId({ jurisdiction: null })),
      getMissing: attempt(() => ns.get()),
      getString: attempt(() => ns.get(id.toString())),
      getStringOptions: attempt(() => ns.get(id, "wnam")),
      getNumberOptions: attempt(() => ns.get(id, 5)),
      getArrayOptions: attempt(() => ns.get(id, [])),
      getSymbolHint: attempt(() => ns.get(id, { locationHint: Symbol() })),
      getNullRoutingMode: attempt(() => ns.get(id, { routingMode: null })),
      getPrimaryOnly: attempt(() => ns.get(id, { routingMode: "primary-only" })),
      getOtherNamespaceId: attempt(() => ns.get(env.OTHER.idFromName("x"))),
      getByNameMissing: attempt(() => ns.getByName()),
      getByNameUndefined: attempt(() => ns.getByName(undefined).name),
      getByNameNumber: attempt(() => ns.getByName(5).name),
      getByNameStringOptions: attempt(() => ns.getByName("a", "x")),
      getByNameBogusRouting: attempt(() => ns.getByName("a", { routingMode: "nearest" })),
      equalsString: attempt(() => id.equals(id.toString())),
      equalsMissing: attempt(() => id.equals()),
      equalsOtherNamespace: attempt(() => id.equals(env.OTHER.idFromName("x"))),
      equalsOtherBinding: attempt(() => id.equals(env.THING2.idFromName("x"))),
      newId: attempt(() => new id.constructor()),
      newNamespace: attempt(() => new ns.constructor()),
    };
  },

  shape(env) {
    const ns = env.THING;
    const id = ns.idFromName("x");
    const descriptor = Object.getOwnPropertyDescriptor(id, "name");
    let assigned;
    try {
      id.name = "changed";
      assigned = id.name;
    } catch (e) {
      assigned = `${e.name}: ${e.message}`;
    }
    return {
      hex: id.toString(),
      upper: ns.idFromString(id.toString().toUpperCase()).toString() === id.toString(),
      keys: Object.keys(id),
      json: JSON.stringify(id),
      uniqueJson: JSON.stringify(ns.newUniqueId()),
      idPrototype: Object.getOwnPropertyNames(Object.getPrototypeOf(id)).sort(),
      idTag: Object.prototype.toString.call(id),
      nameDescriptor: [descriptor.writable, descriptor.enumerable, descriptor.configurable],
      assigned,
      nsConstructor: ns.constructor.name,
      nsKeys: Object.keys(ns),
      nsPrototype: Object.getOwnPropertyNames(Object.getPrototypeOf(ns)).sort(),
      nsTag: Object.prototype.toString.call(ns),
      globals: [typeof globalThis.DurableObjectId, typeof globalThis.DurableObjectNamespace],
    };
  },

  async inside(env) {
    return {
      byName: await env.THING.getByName("inside").whoami(),
      unique: await env.THING.get(env.THING.newUniqueId()).whoami(),
      viaString: await env.THING.get(env.THING.idFromString(env.THING.idFromName("inside").toString())).whoami(),
      sharedByTwoBindings: [await env.THING.getByName("shared").bump(), await env.THING2.getByName("shared").bump()],
    };
  },

  async jurisdictions(env) {
    const eu = env.THING.jurisdiction("eu");
    const euId = eu.idFromName("room");
    const plainId = env.THING.idFromName("room");
    const uniqueEu = env.THING.newUniqueId({ jurisdiction: "eu" });
    const fedramp = env.THING.jurisdiction("fedramp");
    return {
      euJurisdiction: show(euId.jurisdiction),
      euName: show(euId.name),
      euKeys: Object.keys(euId),
      euJson: JSON.stringify(euId),
      plainJurisdiction: show(plainId.jurisdiction),
      differ: euId.toString() !== plainId.toString(),
      equals: euId.equals(plainId),
      deterministic: eu.idFromName("room").toString() === euId.toString(),
      euNamespace: eu.constructor.name,
      subnamespaceOfUndefined: show(env.THING.jurisdiction(undefined).idFromName("room").jurisdiction),
      subnamespaceRepeat: show(eu.jurisdiction("eu").idFromName("room").jurisdiction),
      subnamespaceChange: attempt(() => eu.jurisdiction("fedramp")),
      fedrampHigh: show(env.THING.jurisdiction("fedramp-high").newUniqueId().jurisdiction),
      us: show(env.THING.jurisdiction("us").idFromName("x").jurisdiction),
      bogus: attempt(() => env.THING.jurisdiction("mars")),
      uppercase: attempt(() => env.THING.jurisdiction("EU")),
      symbol: attempt(() => env.THING.jurisdiction(Symbol())),
      uniqueEuJurisdiction: show(uniqueEu.jurisdiction),
      uniqueBogus: attempt(() => env.THING.newUniqueId({ jurisdiction: "mars" })),
      uniqueMismatch: attempt(() => eu.newUniqueId({ jurisdiction: "fedramp" })),
      uniqueSame: show(eu.newUniqueId({ jurisdiction: "eu" }).jurisdiction),
      uniqueInSubnamespace: show(eu.newUniqueId().jurisdiction),
      parentParsesEu: show(env.THING.idFromString(euId.toString()).jurisdiction),
      parentParsesEuUnique: show(env.THING.idFromString(uniqueEu.toString()).jurisdiction),
      euParsesEu: eu.idFromString(euId.toString().toUpperCase()).equals(euId),
      euRejectsPlain: attempt(() => eu.idFromString(plainId.toString())),
      euRejectsFedramp: attempt(() => eu.idFromString(fedramp.idFromName("room").toString())),
      otherRejectsEu: attempt(() => env.OTHER.idFromString(euId.toString())),
      euGetPlain: attempt(() => eu.get(plainId)),
      euGetFedramp: attempt(() => eu.get(fedramp.idFromName("room"))),
      parentGetEu: attempt(() => env.THING.get(euId)),
      euGetByName: show(eu.getByName("room").id.jurisdiction),
      tamperedTag: attempt(() => {
        const hex = euId.toString();
        return env.THING.idFromString(hex.slice(0, 30) + "02" + hex.slice(32));
      }),
    };
  },

  async euObjects(env) {
    const eu = env.THING.jurisdiction("eu");
    const euId = eu.idFromName("room");
    const a = await eu.getByName("room").bump();
    const b = await env.THING.get(env.THING.idFromString(euId.toString())).bump();
    const c = await eu.get(eu.idFromString(euId.toString())).bump();
    const plain = await env.THING.getByName("room").bump();
    return {
      counts: [a, b, c, plain],
      inside: await eu.getByName("room").whoami(),
      insideViaParent: await env.THING.get(env.THING.idFromString(euId.toString())).whoami(),
      euHex: euId.toString(),
      plainHex: env.THING.idFromName("room").toString(),
    };
  },

  async hints(env) {
    const ns = env.THING;
    const values = [];
    for (const locationHint of ["wnam", "enam", "sam", "weur", "eeur", "apac", "apac-ne", "apac-se", "oc", "afr", "me", "mars", 5]) {
      values.push(await ns.getByName("hinted", { locationHint }).bump());
    }
    values.push(await ns.get(ns.newUniqueId({ locationHint: "weur" }), { locationHint: "weur" }).bump());
    values.push(await ns.jurisdiction("eu").getByName("hinted", { locationHint: "weur" }).bump());
    return values;
  },
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const route = routes[url.pathname.slice(1)];
    if (!route) return new Response("no route", { status: 404 });
    try {
      return Response.json(await route(env));
    } catch (e) {
      return Response.json({ uncaught: `${e?.name}: ${e?.message}` }, { status: 500 });
    }
  },
};
