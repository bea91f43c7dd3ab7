// The public face: answers HTTP by calling the accounts Worker.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/user/")) {
      const name = decodeURIComponent(url.pathname.slice("/user/".length));
      // An RPC call: arguments and results are structured-cloned values.
      const user = await env.ACCOUNTS.lookup(name);
      // An RpcTarget comes back as a stub; its calls run in the accounts Worker.
      const session = await env.ACCOUNTS.openSession(name);
      const visits = [await session.visit(), await session.visit()];
      return Response.json({ user, visits });
    }
    // Anything else goes to the accounts Worker's fetch handler.
    return env.ACCOUNTS_HTTP.fetch(request);
  },
};
