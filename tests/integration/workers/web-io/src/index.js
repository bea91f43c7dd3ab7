import ws from './ws.js';
const enc = new TextEncoder();
function slow(parts, ms) {
  return new ReadableStream({
    async pull(c) {
      if (!parts.length) return c.close();
      await new Promise((r) => setTimeout(r, ms));
      c.enqueue(enc.encode(parts.shift()));
    },
  });
}
export default {
  async fetch(request, env, ctx) {
    const u = new URL(request.url);
    switch (u.pathname) {
      case '/stream':
        return new Response(slow(['a', 'bb', 'ccc'], 5), {
          headers: { 'content-length': '99' },
        });
      case '/stream-error':
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(enc.encode('partial'));
            },
            pull(c) {
              return new Promise((r) => setTimeout(r, 5)).then(() =>
                c.error(new Error('boom')),
              );
            },
          }),
        );
      case '/string-chunks':
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue('str');
              c.close();
            },
          }),
        );
      case '/echo-body':
        return new Response(request.body);
      case '/bodyinfo': {
        const info = { bodyNull: request.body === null };
        if (request.body) {
          let n = 0;
          for await (const c of request.body) {
            n += c.byteLength;
          }
          info.bytes = n;
        }
        return Response.json(info);
      }
    }
    return ws.fetch(request, env, ctx);
  },
};
