export default { fetch: () => new Response("unreachable") };
