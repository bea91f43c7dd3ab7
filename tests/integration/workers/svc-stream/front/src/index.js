export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === '/rpc') return new Response(await env.BACK.timedStream());
    if (path === '/text') {
      const response = await env.BACK.fetch('http://back/timer');
      return new Response('read: ' + (await response.text()));
    }
    return env.BACK.fetch(new URL(path, 'http://back'));
  },
};
