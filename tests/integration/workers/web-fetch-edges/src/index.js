async function attempt(fn) { try { const v = await fn(); return v === undefined ? 'undefined' : v; } catch (e) { return { error: { name: e.name, message: e.message } }; } }
export default { async fetch(request) {
  const out = {};

  out.immutable = await attempt(() => request.headers.set('x', 'y'));
  out.redirectRelative = await attempt(() => Response.redirect('/x'));
  out.redirectHeaders = await attempt(() => { const r = Response.redirect('https://a.example/', 301); r.headers.set('x', '1'); return 'mutable'; });
  out.errorHeaders = await attempt(() => { const r = Response.error(); r.headers.set('x', '1'); return 'mutable'; });
  out.jsonBad = await attempt(() => Response.json(undefined).text());
  out.jsonBig = await attempt(() => Response.json(10n));
  out.jsonCT = await attempt(() => Response.json({}, { headers: { 'content-type': 'text/x' } }).headers.get('content-type'));
  out.statusText = await attempt(() => [new Response('', { status: 404 }).statusText, new Response('', { statusText: 'é' }).statusText]);
  out.status0 = await attempt(() => new Response('', { status: 0 }));
  out.bodyUsedStream = await attempt(async () => { const r = new Response('abc'); const rd = r.body.getReader(); await rd.read(); return [r.bodyUsed]; });
  out.cloneUsed = await attempt(async () => { const r = new Response('abc'); await r.text(); return r.clone(); });
  out.reqClone = await attempt(async () => { const r = new Request('https://x/', { method: 'POST', body: 'b' }); const c = r.clone(); return [await r.text(), await c.text(), c.method]; });
  out.reqFromReq = await attempt(async () => { const r = new Request('https://x/', { method: 'POST', body: 'b', headers: { a: '1' } }); const r2 = new Request(r, { headers: { b: '2' } }); return [r.bodyUsed, [...r2.headers], await r2.text()]; });
  out.reqUsedBody = await attempt(async () => { const r = new Request('https://x/', { method: 'POST', body: 'b' }); await r.text(); return new Request(r); });
  out.reqFormData = await attempt(async () => { const f = new FormData(); f.append('k', 'v'); return [...await new Request('https://x/', { method: 'POST', body: f }).formData()]; });
  out.reqMethods = await attempt(() => ['get', 'Head', 'options', 'connect'].map((m) => { try { return new Request('https://x/', { method: m }).method; } catch (e) { return e.message; } }));
  out.reqKeys = Object.keys(Object.getPrototypeOf(new Request('https://x/')));
  out.resKeys = Object.keys(Object.getPrototypeOf(new Response('')));
  out.bodyKeys = Object.keys(Body.prototype);
  out.headersIter = await attempt(() => { const h = new Headers([['b', '1'], ['a', '2'], ['A', '3']]); return [[...h.entries()], [...h.values()], h.get('a')]; });
  out.headersBad = await attempt(() => new Headers([['a']]));
  out.headersRecord = await attempt(() => [...new Headers({ 'X-A': ' v ', 'x-b': 'w\t' })]);
  out.headersForEach = await attempt(() => { const r = []; new Headers({ a: '1', b: '2' }).forEach((v, k, h) => r.push([k, v, h instanceof Headers])); return r; });
  out.headersCount = await attempt(() => { const h = new Headers(); h.append('set-cookie', 'a'); h.append('Set-Cookie', 'b'); h.append('x', '1'); h.append('x', '2'); return [[...h], h.get('x')]; });
  out.typedBody = await attempt(async () => [await new Response(new Float32Array([1])).arrayBuffer().then((b) => b.byteLength), await new Response(new Uint8Array([1, 2, 3]).subarray(1)).bytes().then((b) => [...b])]);
  out.textBodies = await attempt(async () => [await new Response(123).text(), await new Response({}).text(), await new Response(null).text(), await new Response(undefined).text()]);
  out.contentTypes = await attempt(() => [new Response('x').headers.get('content-type'), new Response(new Uint8Array(1)).headers.get('content-type'), new Response(new URLSearchParams('a=1')).headers.get('content-type'), new Response(new Blob(['x'], { type: 'A/B' })).headers.get('content-type')]);
  out.responseType = await attempt(() => [new Response('').type, new Response('').url, new Response('').redirected, new Response('').ok]);
  out.reqProps = await attempt(() => { const r = new Request('https://x/a?b#c', { headers: { 'content-type': 'text/plain' } }); return [r.url, r.method, r.integrity, r.keepalive, r.cache, r.fetcher, r.cf]; });
  out.reqCache = await attempt(() => new Request('https://x/', { cache: 'no-cache' }));
  out.reqRedirect = await attempt(() => new Request('https://x/', { redirect: 'error' }));
  out.reqBodyHead = await attempt(() => new Request('https://x/', { method: 'HEAD', body: '' }));
  out.resp101 = await attempt(() => new Response(null, { status: 101 }));
  return Response.json(out);
} };
