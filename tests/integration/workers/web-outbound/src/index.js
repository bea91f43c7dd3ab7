// The test passes the address of its own server in ?target=.
let T = '';
async function describe(p) {
  try {
    const r = await p;
    return {
      ok: true,
      status: r.status,
      statusText: r.statusText,
      url: r.url,
      redirected: r.redirected,
      headers: [...r.headers],
      body: await r.text(),
    };
  } catch (e) {
    return {
      ok: false,
      name: e.name,
      ctor: e.constructor.name,
      message: e.message,
      str: String(e),
      stack: (e.stack || '').split('\n')[0],
    };
  }
}
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
  async fetch(request, env) {
    const u = new URL(request.url);
    const c = u.searchParams.get('case');
    const target = u.searchParams.get('target');
    // new WebSocket(url), against the web-io Worker at `target`.
    if (u.pathname === '/newws') {
      const ws = new WebSocket(target.replace('http', 'ws') + '/echo');
      const out = {
        initial: ws.readyState,
        url: ws.url,
        protocol: ws.protocol,
        extensions: ws.extensions,
      };
      out.sendEarly = tryIt(() => ws.send('x'));
      out.acceptIt = tryIt(() => ws.accept());
      out.respond = tryIt(
        () => new Response(null, { status: 101, webSocket: ws }),
      );
      const events = [];
      await new Promise((res) => {
        ws.addEventListener('open', (e) => {
          events.push([
            'open',
            e.constructor.name,
            ws.readyState,
            ws.protocol,
            ws.extensions,
          ]);
          ws.send('hi');
        });
        ws.addEventListener('message', (e) => {
          events.push(['message', e.data]);
          ws.close(1000, 'client bye');
        });
        ws.addEventListener('close', (e) => {
          events.push(['close', e.code, e.reason, e.wasClean, ws.readyState]);
          res();
        });
        ws.addEventListener('error', (e) => {
          events.push(['error', e.message]);
        });
      });
      out.events = events;
      return Response.json(out);
    }
    if (u.pathname === '/newws-fail') {
      const ws = new WebSocket(target.replace('http', 'ws') + '/notws');
      const events = [];
      await new Promise((res) => {
        ws.addEventListener('close', (e) => {
          events.push(['close', e.code, e.reason, e.wasClean, ws.readyState]);
          res();
        });
        ws.addEventListener('error', (e) => {
          events.push(['error', e.message, String(e.error), ws.readyState]);
        });
      });
      return Response.json(events);
    }
    if (u.pathname === '/newws-checks') {
      const out = {};
      out.frag = tryIt(() => new WebSocket('ws://127.0.0.1:1/x#f'));
      out.badProto = tryIt(() => new WebSocket('ws://127.0.0.1:1/x', 'a b'));
      out.emptyArr = tryIt(() => new WebSocket('ws://127.0.0.1:1/x', []));
      out.badArr = tryIt(
        () => new WebSocket('ws://127.0.0.1:1/x', ['ok', 'no,']),
      );
      out.dupArr = tryIt(() => new WebSocket('ws://127.0.0.1:1/x', ['a', 'a']));
      const ws = new WebSocket('ws://127.0.0.1:1/x');
      out.closeConnecting = tryIt(() => ws.close());
      out.stateAfter = ws.readyState;
      return Response.json(out);
    }

    T = u.searchParams.get('target') ?? T;
    const cases = {
      get: () => describe(fetch(T + '/echo?x=1')),
      post: () =>
        describe(fetch(T + '/echo', { method: 'POST', body: 'hello' })),
      postjson: () =>
        describe(
          fetch(T + '/echo', {
            method: 'POST',
            body: JSON.stringify({ a: 1 }),
            headers: { 'content-type': 'application/json', 'X-Custom': 'v' },
          }),
        ),
      stream: () =>
        describe(
          fetch(T + '/echo', {
            method: 'POST',
            body: new ReadableStream({
              start(c) {
                c.enqueue(new TextEncoder().encode('ab'));
                c.enqueue(new TextEncoder().encode('cd'));
                c.close();
              },
            }),
            duplex: 'half',
          }),
        ),
      r301: () =>
        describe(fetch(T + '/redirect/301', { method: 'POST', body: 'x' })),
      r302: () =>
        describe(fetch(T + '/redirect/302', { method: 'POST', body: 'x' })),
      r303: () =>
        describe(fetch(T + '/redirect/303', { method: 'PUT', body: 'x' })),
      r307: () =>
        describe(fetch(T + '/redirect/307', { method: 'POST', body: 'x' })),
      r308: () =>
        describe(fetch(T + '/redirect/308', { method: 'POST', body: 'x' })),
      manual: () =>
        describe(fetch(T + '/redirect/302', { redirect: 'manual' })),
      error: () => describe(fetch(T + '/redirect/302', { redirect: 'error' })),
      loop: () => describe(fetch(T + '/loop')),
      gzip: () => describe(fetch(T + '/gzip')),
      chunked: () => describe(fetch(T + '/chunked')),
      s418: () => describe(fetch(T + '/status418')),
      refused: () => describe(fetch('http://127.0.0.1:1/x')),
      badurl: () => describe(fetch('not a url')),
      ftp: () => describe(fetch('ftp://127.0.0.1/x')),
      file: () => describe(fetch('file:///etc/passwd')),
      nohost: () => describe(fetch('http://nonexistent.invalid/')),
      abort: async () => {
        const ac = new AbortController();
        const p = fetch(T + '/hang', { signal: ac.signal });
        setTimeout(() => ac.abort(), 100);
        return describe(p);
      },
      abortreason: async () => {
        const ac = new AbortController();
        const p = fetch(T + '/hang', { signal: ac.signal });
        setTimeout(() => ac.abort(new Error('mine')), 100);
        return describe(p);
      },
      preaborted: async () => {
        return describe(fetch(T + '/echo', { signal: AbortSignal.abort() }));
      },
      timeout: async () =>
        describe(fetch(T + '/hang', { signal: AbortSignal.timeout(200) })),
      head: () => describe(fetch(T + '/echo', { method: 'HEAD' })),
      getbody: () => describe(fetch(T + '/echo', { method: 'GET', body: 'x' })),
      reqobj: () =>
        describe(
          fetch(
            new Request(T + '/echo', {
              method: 'POST',
              body: 'abc',
              headers: { 'x-a': '1' },
            }),
          ),
        ),
      resbody: async () => {
        const r = await fetch(T + '/chunked');
        const rd = r.body.getReader();
        const chunks = [];
        for (;;) {
          const { value, done } = await rd.read();
          if (done) break;
          chunks.push(
            value.constructor.name + ':' + new TextDecoder().decode(value),
          );
        }
        return chunks;
      },
      props: async () => {
        const r = await fetch(T + '/echo');
        return {
          type: r.type,
          url: r.url,
          redirected: r.redirected,
          ws: r.webSocket,
          bodyCtor: r.body.constructor.name,
          ok: r.ok,
          cf: r.cf,
        };
      },
      redirprops: async () => {
        const r = await fetch(T + '/redirect/302');
        return { url: r.url, redirected: r.redirected, status: r.status };
      },
      userhost: () =>
        describe(
          fetch(T + '/echo', {
            headers: {
              Host: 'example.com',
              'User-Agent': 'me',
              'Accept-Encoding': 'identity',
            },
          }),
        ),
      badheader: () =>
        describe(fetch(T + '/echo', { headers: { 'x-bad': 'a\nb' } })),
      relative: () => describe(fetch('/relative')),
      noargs: () => describe(fetch()),
      ws_noupgrade: () =>
        describe(fetch(T + '/echo', { headers: { Upgrade: 'websocket' } })),
      https_refused: () => describe(fetch('https://127.0.0.1:1/x')),
      method: () => describe(fetch(T + '/echo', { method: 'patch' })),
      badmethod: () => describe(fetch(T + '/echo', { method: 'CONNECT' })),
      cache: () => describe(fetch(T + '/echo', { cache: 'no-cache' })),

      postnobody: () => describe(fetch(T + '/echo', { method: 'POST' })),
      del: () => describe(fetch(T + '/echo', { method: 'DELETE' })),
      opts: () => describe(fetch(T + '/echo', { method: 'OPTIONS' })),
      hdrorder: () =>
        describe(
          fetch(T + '/echo', {
            method: 'POST',
            body: 'b',
            headers: [
              ['zz', '1'],
              ['aa', '2'],
              ['user-agent', 'ua'],
              ['content-type', 'ct'],
              ['accept-encoding', 'ae'],
              ['date', 'd'],
              ['x-Mixed-Case', 'm'],
              ['location', 'l'],
              ['accept', 'a'],
              ['cookie', 'c'],
              ['authorization', 'z'],
              ['cf-ray', 'r'],
              ['connection', 'close'],
              ['content-length', '99'],
              ['te', 'x'],
              ['keep-alive', 'y'],
            ],
          }),
        ),
      dup: () =>
        describe(
          fetch(T + '/echo', {
            headers: [
              ['x-d', '1'],
              ['X-D', '2'],
              ['set-cookie', 'a'],
              ['set-cookie', 'b'],
            ],
          }),
        ),
      used: async () => {
        const r = new Request(T + '/echo', { method: 'POST', body: 'abc' });
        await r.text();
        return describe(fetch(r));
      },
      bodyused_after: async () => {
        const r = new Request(T + '/echo', { method: 'POST', body: 'abc' });
        await fetch(r);
        return { used: r.bodyUsed };
      },
      stream307: () =>
        describe(
          fetch(T + '/redirect/307', {
            method: 'POST',
            body: new ReadableStream({
              start(c) {
                c.enqueue(new TextEncoder().encode('ab'));
                c.close();
              },
            }),
          }),
        ),
      stream302: () =>
        describe(
          fetch(T + '/redirect/302', {
            method: 'POST',
            body: new ReadableStream({
              start(c) {
                c.enqueue(new TextEncoder().encode('ab'));
                c.close();
              },
            }),
          }),
        ),
      initoverride: () =>
        describe(
          fetch(
            new Request(T + '/echo', {
              method: 'POST',
              body: 'abc',
              headers: { 'x-a': '1' },
            }),
            { method: 'PUT', headers: { 'x-b': '2' } },
          ),
        ),
      urlobj: () => describe(fetch(new URL(T + '/echo?u=1'))),
      streamerr: () =>
        describe(
          fetch(T + '/echo', {
            method: 'POST',
            body: new ReadableStream({
              pull(c) {
                c.error(new RangeError('boom'));
              },
            }),
          }),
        ),
      notbytes: () =>
        describe(
          fetch(T + '/echo', {
            method: 'POST',
            body: new ReadableStream({
              start(c) {
                c.enqueue('str');
                c.close();
              },
            }),
          }),
        ),
      https_self: () => describe(fetch('https://127.0.0.1:18443/echo')),
      https_host: () => describe(fetch('https://localhost:18443/echo')),
      userpass: () => describe(fetch('http://u:p@127.0.0.1:18081/echo')),
      frag: () => describe(fetch(T + '/echo?q#frag')),
      idn: () => describe(fetch('http://[::1]:1/')),
      redirect_to_ftp: () =>
        describe(fetch(T + '/redirect/302?'.replace('302?', '302'))),
      abortbody: async () => {
        const ac = new AbortController();
        const r = await fetch(T + '/chunked', { signal: ac.signal });
        ac.abort();
        try {
          await r.text();
          return 'read ok';
        } catch (e) {
          return { name: e.name, message: e.message };
        }
      },
      wsclient: async () => {
        const resp = await fetch(T + '/echo', {
          headers: { Upgrade: 'websocket' },
        });
        const ws = resp.webSocket;
        const out = {
          status: resp.status,
          hasWs: ws !== null,
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
        const closed = new Promise((res) =>
          ws.addEventListener('close', (e) => res([e.code, e.reason])),
        );
        ws.close(1000, 'client bye');
        out.closed = await Promise.race([
          closed,
          new Promise((r) => setTimeout(() => r('no close event'), 2000)),
        ]);
        return out;
      },
      fetchType: async () => ({
        name: fetch.name,
        length: fetch.length,
        str: String(fetch).slice(0, 40),
      }),
    };
    const fn = cases[c];
    if (!fn) return new Response('unknown case', { status: 404 });
    return Response.json(await fn());
  },
};
