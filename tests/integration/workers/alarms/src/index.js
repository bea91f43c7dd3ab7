// Each run of alarm() is recorded in storage: {retryCount, isRetry, scheduledTime, name}. The
// plan decides what a run does: "ok", "fail-once" (throws on the first run), "fail-always", or
// "again" (sets the next alarm once, from inside the handler).
import { DurableObject } from "cloudflare:workers";

class Recorder extends DurableObject {
  async alarm(info) {
    const runs = (await this.ctx.storage.get("runs")) ?? [];
    const plan = (await this.ctx.storage.get("plan")) ?? "ok";
    runs.push({
      retryCount: info.retryCount,
      isRetry: info.isRetry,
      scheduledTime: info.scheduledTime,
      name: this.ctx.id.name ?? null,
      alarmNow: await this.ctx.storage.getAlarm(),
    });
    await this.ctx.storage.put("runs", runs);
    if (plan === "fail-always" || (plan === "fail-once" && runs.length === 1)) {
      throw new Error(`alarm run ${runs.length} fails`);
    }
    if (plan === "again" && runs.length === 1) {
      await this.ctx.storage.setAlarm(Date.now() + 50);
    }
  }

  async arm(ms, plan) {
    await this.ctx.storage.put("plan", plan);
    const at = Date.now() + ms;
    await this.ctx.storage.setAlarm(at);
    // The time the alarm was set for: a time already past is clamped to now, which is later than
    // `at` when the clock ticked between the two calls (a busy machine).
    return await this.ctx.storage.getAlarm();
  }

  async wipe() {
    await this.ctx.storage.deleteAll();
    return this.state();
  }

  async state() {
    return { runs: (await this.ctx.storage.get("runs")) ?? [], alarm: await this.ctx.storage.getAlarm() };
  }
}

export class Clock extends Recorder {}
export class LegacyClock extends Recorder {}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const ns = url.searchParams.get("legacy") ? env.LEGACY : env.CLOCK;
    const stub = ns.getByName(url.searchParams.get("name") ?? "clock");
    switch (url.pathname) {
      case "/arm":
        return Response.json(await stub.arm(Number(url.searchParams.get("ms")),
                                            url.searchParams.get("plan") ?? "ok"));
      case "/state":
        return Response.json(await stub.state());
      case "/wipe":
        return Response.json(await stub.wipe());
    }
    return new Response("no such route\n", { status: 404 });
  },
};
