// Calls a Durable Object class defined by the counter-host Worker.
export default {
  async fetch(request, env) {
    const [, action, name] = new URL(request.url).pathname.split("/");
    if (!name) return new Response("try /hit/<name> or /peek/<name>\n", { status: 404 });
    const counter = env.COUNTER.getByName(name);
    if (action === "hit") return Response.json({ name, count: await counter.hit() });
    // stub.fetch() reaches the object's own fetch handler.
    if (action === "peek") return counter.fetch(request);
    return new Response("unknown action\n", { status: 404 });
  },
};
