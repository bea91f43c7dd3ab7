import { DurableObject } from "cloudflare:workers";

// EU member states (ISO 3166-1 alpha-2), as request.cf.isEUCountry would say.
const EU = new Set([
  "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
  "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
]);

// One user's profile. ctx.id.jurisdiction says where it is allowed to live.
export class Profile extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS visits (at TEXT NOT NULL)");
  }

  visit() {
    this.ctx.storage.sql.exec("INSERT INTO visits VALUES (datetime('now'))");
    return {
      user: this.ctx.id.name ?? null,
      id: this.ctx.id.toString(),
      jurisdiction: this.ctx.id.jurisdiction ?? "none",
      visits: this.ctx.storage.sql.exec("SELECT count(*) AS n FROM visits").one().n,
    };
  }
}

// The namespace a user's data must live in: the "eu" subnamespace for EU
// users, the whole namespace otherwise.
function namespaceFor(env, country) {
  return EU.has(country) ? env.PROFILE.jurisdiction("eu") : env.PROFILE;
}

// GET /users/NAME?country=FR   visits NAME's profile (country picks the jurisdiction)
// GET /ids/ID                  visits a profile by the ID string a visit returned;
//                              the ID itself says which jurisdiction it is in
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, kind, key] = url.pathname.split("/");
    try {
      if (kind === "users" && key) {
        const country = (url.searchParams.get("country") ?? "US").toUpperCase();
        return Response.json(await namespaceFor(env, country).getByName(key).visit());
      }
      if (kind === "ids" && key) {
        const id = env.PROFILE.idFromString(key);
        return Response.json(await env.PROFILE.get(id).visit());
      }
    } catch (e) {
      return Response.json({ error: `${e.name}: ${e.message}` }, { status: 400 });
    }
    return new Response("try /users/alice?country=FR or /users/bob?country=US\n", {
      status: 404,
    });
  },
};
