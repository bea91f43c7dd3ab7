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
export default {
  async fetch(request) {
    const u = new URL(request.url);
    const p = u.pathname;
    if (p === '/echo') {
      const pair = new WebSocketPair();
      const [client, server] = Object.values(pair);
      server.accept();
      server.addEventListener('message', (ev) => {
        const d = ev.data;
        if (typeof d === 'string') {
          if (d === 'close-me') {
            server.close(4001, 'as asked');
            return;
          }
          if (d === 'info') {
            server.send(
              JSON.stringify({
                readyState: server.readyState,
                url: server.url,
                protocol: server.protocol,
                extensions: server.extensions,
                binaryType: server.binaryType,
                evType: ev.type,
                evCtor: ev.constructor.name,
                origin: ev.origin,
                lastEventId: ev.lastEventId,
                source: ev.source,
                ports: ev.ports,
                bufferedAmount: server.bufferedAmount,
              }),
            );
            return;
          }
          server.send('echo:' + d);
        } else {
          server.send(
            JSON.stringify({ binCtor: d.constructor.name, len: d.byteLength }),
          );
          server.send(d);
        }
      });
      server.addEventListener('close', (ev) => {
        console.log(
          'close event',
          ev.code,
          ev.reason,
          ev.wasClean,
          ev.constructor.name,
          server.readyState,
        );
        server.close(1000, 'server bye');
      });
      return new Response(null, {
        status: 101,
        webSocket: client,
        headers: { 'x-extra': 'yes' },
      });
    }
    if (p === '/errors') {
      const out = {};
      const pair = new WebSocketPair();
      const [c, s] = [pair[0], pair[1]];
      out.keys = Object.keys(pair);
      out.pairCtor = pair.constructor.name;
      out.wsCtor = s.constructor.name;
      out.statics = [
        WebSocket.CONNECTING,
        WebSocket.OPEN,
        WebSocket.CLOSING,
        WebSocket.CLOSED,
        s.OPEN,
      ];
      out.initialState = s.readyState;
      out.sendBeforeAccept = tryIt(() => s.send('x'));
      out.closeBeforeAccept = tryIt(() => s.close());
      out.accept1 = tryIt(() => s.accept());
      out.accept2 = tryIt(() => s.accept());
      out.badCode = tryIt(() => s.close(999));
      out.badCode1005 = tryIt(() => s.close(1005));
      out.badCode5000 = tryIt(() => s.close(5000));
      out.reasonNoCode = tryIt(() => s.close(undefined, 'why'));
      out.longReason = tryIt(() => s.close(1000, 'x'.repeat(124)));
      out.sendObj = tryIt(() => s.send({ a: 1 }));
      out.sendNum = tryIt(() => s.send(5));
      out.sendNothing = tryIt(() => s.send());
      out.close3000 = tryIt(() => s.close(3000, 'ok'));
      out.stateAfterClose = s.readyState;
      out.sendAfterClose = tryIt(() => s.send('x'));
      out.closeTwice = tryIt(() => s.close(1000));
      out.resp200ws = tryIt(
        () => new Response(null, { status: 200, webSocket: c }),
      );
      out.resp101nows = tryIt(() => new Response(null, { status: 101 }));
      out.resp101body = tryIt(
        () => new Response('x', { status: 101, webSocket: c }),
      );
      out.resp101accepted = tryIt(
        () => new Response(null, { status: 101, webSocket: s }),
      );
      const r = new Response(null, { status: 101, webSocket: c });
      out.resp101 = {
        status: r.status,
        ws: r.webSocket === c,
        statusText: r.statusText,
      };
      out.badWsType = tryIt(
        () => new Response(null, { status: 101, webSocket: {} }),
      );
      out.newWs = tryIt(() => new WebSocket('http://example.com'));
      out.newWsBad = tryIt(() => new WebSocket('nope'));
      out.pairNoNew = tryIt(() => WebSocketPair());
      out.wsNoNew = tryIt(() => new WebSocket());
      out.ser = tryIt(() => s.serializeAttachment({ a: 1 }));
      out.deser = tryIt(() => s.deserializeAttachment());
      const p2 = new WebSocketPair();
      out.acceptRemote = tryIt(() => p2[0].accept());
      return Response.json(out);
    }
    if (p === '/local') {
      const pair = new WebSocketPair();
      const log = [];
      pair[0].accept();
      pair[1].accept();
      pair[1].addEventListener('message', (e) => {
        log.push('1 got ' + e.data);
        pair[1].send('pong');
      });
      pair[0].onmessage = (e) => {
        log.push('0 got ' + e.data);
        pair[0].close(1000, 'done');
      };
      const closed = new Promise((res) => {
        pair[1].addEventListener('close', (e) => {
          log.push(`1 close ${e.code} ${e.reason} ${e.wasClean}`);
          res();
        });
      });
      pair[0].send('ping');
      log.push('sent');
      await closed;
      log.push(
        'state0 ' + pair[0].readyState + ' state1 ' + pair[1].readyState,
      );
      return Response.json(log);
    }
    if (p === '/noaccept') {
      const pair = new WebSocketPair();
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (p === '/return-twice') {
      const pair = new WebSocketPair();
      pair[1].accept();
      new Response(null, { status: 101, webSocket: pair[0] });
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (p === '/return-accepted') {
      const pair = new WebSocketPair();
      pair[1].accept();
      return new Response(null, { status: 101, webSocket: pair[1] });
    }
    if (p === '/server-close-first') {
      const pair = new WebSocketPair();
      pair[1].accept();
      pair[1].send('hello');
      pair[1].close(1001, 'going');
      pair[1].addEventListener('close', (e) =>
        console.log('server got close', e.code, e.reason),
      );
      return new Response(null, { status: 101, webSocket: pair[0] });
    }
    if (p === '/proto') {
      const pair = new WebSocketPair();
      pair[1].accept();
      return new Response(null, {
        status: 101,
        webSocket: pair[0],
        headers: { 'Sec-WebSocket-Protocol': 'chat' },
      });
    }
    if (p === '/client-disabled') {
      const resp = await fetch('http://127.0.0.1:18093/echo', {
        headers: { Upgrade: 'websocket' },
      });
      const ws = resp.webSocket;
      const out = {
        status: resp.status,
        hasWs: !!ws,
        headers: [...resp.headers],
      };
      ws.accept();
      const got = [];
      const done = new Promise((res) => {
        ws.addEventListener('message', (e) => {
          got.push(e.data);
          if (got.length === 2) res();
        });
      });
      ws.send('hi');
      ws.send('info');
      await done;
      out.got = got;
      ws.close(1000);
      return Response.json(out);
    }
    return new Response('?', { status: 404 });
  },
};
