import { DurableObject } from 'cloudflare:workers';
function tryIt(f) {
  try {
    const v = f();
    return { ok: true, v: v === undefined ? 'undefined' : v };
  } catch (e) {
    return {
      ok: false,
      name: e.name,
      ctor: e.constructor.name,
      message: e.message,
    };
  }
}
export class Room extends DurableObject {
  async fetch(request) {
    const target = new URL(request.url).searchParams.get('target');
    if (target !== null) {
      // Outbound fetch() from a Durable Object.
      const response = await fetch(target + '/echo?from=object', {
        method: 'POST',
        body: 'object body',
      });
      return new Response(await response.text(), { status: response.status });
    }
    if (new URL(request.url).pathname === '/plain') {
      // A WebSocket accepted the ordinary way inside a Durable Object.
      const pair = new WebSocketPair();
      pair[1].accept();
      pair[1].addEventListener('message', (event) => {
        pair[1].send(`object got ${event.data}`);
      });
      pair[1].addEventListener('close', (event) => {
        pair[1].close(event.code, 'object closing');
      });
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    const out = {};
    const ctx = this.ctx;
    const p1 = new WebSocketPair();
    p1[1].accept();
    out.afterAccept = tryIt(() => ctx.acceptWebSocket(p1[1]));
    const p2 = new WebSocketPair();
    out.tooManyTags = tryIt(() =>
      ctx.acceptWebSocket(p2[1], [
        'a',
        'b',
        'c',
        'd',
        'e',
        'f',
        'g',
        'h',
        'i',
        'j',
        'k',
      ]),
    );
    const p3 = new WebSocketPair();
    out.longTag = tryIt(() => ctx.acceptWebSocket(p3[1], ['x'.repeat(257)]));
    const p4 = new WebSocketPair();
    out.notWs = tryIt(() => ctx.acceptWebSocket({}));
    out.ok = tryIt(() => ctx.acceptWebSocket(p4[1], ['t1', 't2', 't1']));
    out.tags = tryIt(() => ctx.getTags(p4[1]));
    out.getTagsOther = tryIt(() => ctx.getTags(p2[0]));
    out.count = ctx.getWebSockets().length;
    out.countT1 = ctx.getWebSockets('t1').length;
    out.countNone = ctx.getWebSockets('zz').length;
    out.acceptTwice = tryIt(() => ctx.acceptWebSocket(p4[1]));
    out.acceptAfterHib = tryIt(() => p4[1].accept());
    out.stateHib = p4[1].readyState;
    out.sendHib = tryIt(() => p4[1].send('x'));
    out.autoNone = ctx.getWebSocketAutoResponse();
    out.pairNoNew = tryIt(() => WebSocketRequestResponsePair('a', 'b'));
    const pr = new WebSocketRequestResponsePair('ping', 'pong');
    out.pair = [pr.request, pr.response, pr.constructor.name];
    out.setBadType = tryIt(() =>
      ctx.setWebSocketAutoResponse({ request: 'a', response: 'b' }),
    );
    out.setBig = tryIt(() =>
      ctx.setWebSocketAutoResponse(
        new WebSocketRequestResponsePair('x'.repeat(2049), 'y'),
      ),
    );
    out.setBigResp = tryIt(() =>
      ctx.setWebSocketAutoResponse(
        new WebSocketRequestResponsePair('x', 'y'.repeat(2049)),
      ),
    );
    ctx.setWebSocketAutoResponse(pr);
    const got = ctx.getWebSocketAutoResponse();
    out.autoGot = [got.request, got.response, got === pr];
    out.ts = ctx.getWebSocketAutoResponseTimestamp(p4[1]);
    out.clearAuto = tryIt(() => ctx.setWebSocketAutoResponse());
    out.autoAfterClear = ctx.getWebSocketAutoResponse();
    out.attachNone = p4[1].deserializeAttachment();
    out.attachBig = tryIt(() => p4[1].serializeAttachment('x'.repeat(20000)));
    out.returnHib = tryIt(() => {
      new Response(null, { status: 101, webSocket: p4[1] });
      return 'constructed';
    });
    return Response.json(out);
  }
}
export default {
  async fetch(request, env) {
    return env.ROOM.getByName('a').fetch(request);
  },
};
