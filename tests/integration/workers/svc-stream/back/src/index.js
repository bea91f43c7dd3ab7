import { WorkerEntrypoint } from 'cloudflare:workers';

const encoder = new TextEncoder();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Three chunks, each after a timer fires.
function timedStream(prefix) {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await sleep(5);
      if (i++ < 3) controller.enqueue(encoder.encode(`${prefix}${i};`));
      else controller.close();
    },
  });
}

export default class extends WorkerEntrypoint {
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === '/writer') {
      const { readable, writable } = new TransformStream();
      const writer = writable.getWriter();
      (async () => {
        for (let i = 1; i <= 3; i++) {
          await sleep(5);
          await writer.write(encoder.encode(`w${i};`));
        }
        await writer.close();
      })();
      return new Response(readable);
    }
    return new Response(timedStream('t'));
  }

  timedStream() {
    return timedStream('r');
  }
}
