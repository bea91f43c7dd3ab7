async function attempt(fn) { try { const v = await fn(); return v === undefined ? 'undefined' : v; } catch (e) { return { error: { name: e.name, message: e.message, ctor: e.constructor.name } }; } }
const rejections = [];
addEventListener("unhandledrejection", (event) => {
  rejections.push([event.constructor.name, event.type, event.reason?.message,
    event.promise instanceof Promise, event.cancelable]);
});
addEventListener("rejectionhandled", (event) => {
  rejections.push(["rejectionhandled", event.promise instanceof Promise]);
});

async function cacheChecks() {
  const result = {};
  const attemptAll = async (fn) => {
    try {
      const value = await fn();
      return value === undefined ? "undefined" : String(value);
    } catch (e) {
      return { error: { name: e.name, message: e.message } };
    }
  };
  result.tags = [String(caches), String(caches.default), String(await caches.open("x"))];
  result.match = await attemptAll(() => caches.default.match("https://x/"));
  result.put = await attemptAll(() => caches.default.put("https://x/", new Response("x")));
  result.delete = await attemptAll(() => caches.default.delete("https://x/"));
  result.has = await attemptAll(() => caches.has("x"));
  result.rewriter = await attemptAll(() => new HTMLRewriter());
  return result;
}

export default {
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/rejections") {
      const promise = Promise.reject(new Error("nobody"));
      await new Promise((resolve) => setTimeout(resolve, 5));
      promise.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 5));
      return Response.json({ rejections, dispatch: dispatchEvent(new Event("other")) });
    }
    if (path === "/caches") return Response.json(await cacheChecks());
    const out = {};
    const e = new Event('x', { cancelable: true, bubbles: true });
    out.event = [e.type, e.bubbles, e.cancelable, e.defaultPrevented, e.eventPhase, e.composed, e.isTrusted, typeof e.timeStamp, e.returnValue, e.cancelBubble, String(e)];
    e.preventDefault();
    out.prevented = e.defaultPrevented;
    out.eventNoType = await attempt(() => new Event());
    out.eventProto = Object.getOwnPropertyNames(Event.prototype);
    out.eventConsts = [Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE];
    const t = new EventTarget();
    const log = [];
    const h = (ev) => log.push(['h', ev.type, ev.target === t, ev.currentTarget === t, ev.eventPhase]);
    t.addEventListener('a', h);
    t.addEventListener('a', h);
    t.addEventListener('a', { handleEvent(ev) { log.push(['obj', this !== t]); } });
    t.addEventListener('a', () => log.push('once'), { once: true });
    const ret1 = t.dispatchEvent(new Event('a'));
    t.dispatchEvent(new Event('a'));
    t.removeEventListener('a', h);
    t.dispatchEvent(new Event('a'));
    out.targetLog = log; out.ret1 = ret1;
    out.dispatchNotEvent = await attempt(() => t.dispatchEvent({ type: 'a' }));
    out.addNoArgs = await attempt(() => t.addEventListener('a'));
    out.addNull = await attempt(() => t.addEventListener('a', null));
    out.addBad = await attempt(() => t.addEventListener('a', 5));
    const c = new EventTarget(); const cl = [];
    c.addEventListener('b', (ev) => { ev.preventDefault(); cl.push('pd'); });
    out.cancelRet = c.dispatchEvent(new Event('b', { cancelable: true }));
    c.addEventListener('s', (ev) => { ev.stopImmediatePropagation(); cl.push(1); });
    c.addEventListener('s', () => cl.push(2));
    c.dispatchEvent(new Event('s'));
    out.stopImmediate = cl;
    c.addEventListener('t', () => { throw new Error('listener threw'); });
    out.listenerThrows = await attempt(() => c.dispatchEvent(new Event('t')));
    const ac = new AbortController();
    const s = ac.signal;
    const sl = [];
    s.addEventListener('abort', (ev) => sl.push(['abort', ev.type, ev.constructor.name]));
    s.onabort = () => sl.push('onabort');
    out.signalBefore = [s.aborted, s.reason, String(s), Object.getOwnPropertyNames(AbortSignal.prototype), Object.getOwnPropertyNames(AbortSignal)];
    ac.abort();
    ac.abort('again');
    out.signalAfter = [s.aborted, s.reason.name, s.reason.message, s.reason.constructor.name, s.reason.code, sl];
    out.throwIfAborted = await attempt(() => s.throwIfAborted());
    const ac2 = new AbortController(); ac2.abort('why');
    out.customReason = ac2.signal.reason;
    out.abortStatic = [AbortSignal.abort().aborted, AbortSignal.abort().reason.name, AbortSignal.abort('r').reason];
    const ts = AbortSignal.timeout(5);
    await new Promise((r) => ts.addEventListener('abort', r));
    out.timeout = [ts.aborted, ts.reason.name, ts.reason.message, ts.reason.code];
    out.timeoutBad = await attempt(() => AbortSignal.timeout(-1));
    out.timeoutNone = await attempt(() => AbortSignal.timeout());
    const a1 = new AbortController(); const anyS = AbortSignal.any([a1.signal, new AbortController().signal]);
    a1.abort('first');
    out.any = [anyS.aborted, anyS.reason];
    out.anyBad = await attempt(() => AbortSignal.any([1]));
    out.newSignal = await attempt(() => new AbortSignal());
    out.ctl = [String(ac), Object.getOwnPropertyNames(AbortController.prototype)];
    out.custom = await attempt(() => { const ce = new CustomEvent('c', { detail: { d: 1 } }); return [ce.type, ce.detail]; });
    out.errorEvent = await attempt(() => { const ee = new ErrorEvent('error', { message: 'm', error: 5 }); return [ee.type, ee.message, ee.error, ee.lineno, String(ee)]; });
    out.closeEvent = await attempt(() => { const ce = new CloseEvent('close', { code: 1000, reason: 'bye', wasClean: true }); return [ce.code, ce.reason, ce.wasClean]; });
    out.globals = ['Event', 'EventTarget', 'AbortController', 'AbortSignal', 'CustomEvent', 'ErrorEvent', 'MessageEvent', 'CloseEvent', 'PromiseRejectionEvent', 'Blob', 'File', 'FormData', 'URLPattern'].map((n) => [n, typeof globalThis[n]]);
    return Response.json(out);
  },
};
