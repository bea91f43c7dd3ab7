async function outcome(promise) {
  try {
    return { value: await promise };
  } catch (e) {
    return { error: { name: e.name, message: e.message } };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/add":
        return Response.json(await outcome(env.SVC.add(2, 3)));
      case "/callback":
        return Response.json(await outcome(env.SVC.callBack((x) => x * 2)));
      case "/tally": {
        const tally = await env.SVC.tally();
        await tally.add(2);
        return Response.json(await outcome(tally.add(3)));
      }
      case "/pipeline":
        // The second call leaves before the first has answered.
        return Response.json(await outcome(env.SVC.tally().add(7)));
      case "/streams": {
        const counted = await new Response(await env.SVC.countTo(5)).text();
        const numbers = new ReadableStream({
          start(controller) {
            for (const n of [10, 20, 12]) controller.enqueue(new TextEncoder().encode(`${n},`));
            controller.close();
          },
        });
        return Response.json({ counted, total: await env.SVC.total(numbers) });
      }
      case "/stale": {
        // Keeps a stub of the service's RpcTarget while the service restarts.
        const kept = await env.SVC.tally();
        await kept.add(100);
        console.log("holding a tally");
        let sawDown = false;
        for (let i = 0; i < 400; i++) {
          const probe = await outcome(env.SVC.add(1, 1));
          if (probe.error) sawDown = true;
          else if (sawDown) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const fresh = await env.SVC.tally();
        return Response.json({
          sawDown,
          fresh: await fresh.add(1),
          stale: await outcome(kept.add(1)),
        });
      }
      case "/admin":
        return Response.json(await outcome(env.ADMIN.whoami()));
      case "/fail":
        return Response.json(await outcome(env.SVC.fail()));
      case "/hang":
        return Response.json(await outcome(env.SVC.hang()));
      case "/fetch": {
        const sent = new Request("http://svc/echo?q=1", {
          method: "POST",
          headers: { "x-test": request.headers.get("x-test") ?? "" },
          body: request.body,
        });
        const response = await env.SVC.fetch(sent);
        return Response.json({
          status: response.status,
          back: response.headers.get("x-back"),
          type: response.headers.get("content-type"),
          body: await response.text(),
        });
      }
      case "/proxy":
        return env.SVC.fetch(request);
    }
    return new Response("no such route", { status: 404 });
  },
};
