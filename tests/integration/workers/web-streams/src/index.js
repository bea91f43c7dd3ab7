async function attempt(fn) {
  try {
    const value = await fn();
    return value === undefined ? "undefined" : value;
  } catch (e) {
    return { error: { name: e.name, message: e.message } };
  }
}

const encode = (text) => new TextEncoder().encode(text);

async function collect(readable) {
  const chunks = [];
  for await (const chunk of readable) chunks.push(chunk);
  return chunks;
}

async function compress(format, text) {
  const stream = new Response(encode(text)).body.pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function basics() {
  const readable = new ReadableStream({
    start(controller) {
      controller.enqueue("a");
      controller.enqueue("b");
      controller.close();
    },
  });
  const [left, right] = readable.tee();
  const written = [];
  await right.pipeTo(new WritableStream({ write(chunk) { written.push(chunk); } }));
  const upper = new TransformStream({
    transform(chunk, controller) { controller.enqueue(chunk.toUpperCase()); },
  });
  let pulls = 0;
  const pulled = new ReadableStream({
    pull(controller) {
      pulls++;
      if (pulls > 3) controller.close();
      else controller.enqueue(pulls);
    },
  });
  return {
    tee: await collect(left.pipeThrough(upper)),
    piped: written,
    pulled: await collect(pulled),
    from: await collect(ReadableStream.from(["x", "y"])),
    text: await collect(
      new Response("héllo").body.pipeThrough(new TextDecoderStream()),
    ),
    encoded: (await collect(ReadableStream.from(["h\u00e9", "\ud83d", "\ude00"])
      .pipeThrough(new TextEncoderStream()))).map((c) => [...c]),
    tags: [new ReadableStream(), new WritableStream(), new TransformStream(),
      new TextEncoderStream(), new CompressionStream("gzip")].map((s) => Object.prototype.toString.call(s)),
    lengths: [ReadableStream, WritableStream, TransformStream, ReadableStreamDefaultReader,
      CountQueuingStrategy].map((c) => [c.name, c.length]),
  };
}

async function byob() {
  const body = new Response("hello").body;
  const reader = body.getReader({ mode: "byob" });
  const first = await reader.read(new Uint8Array(3));
  const second = await reader.read(new Uint8Array(8));
  const third = await reader.read(new Uint8Array(8));
  return {
    first: [first.value.constructor.name, [...first.value], first.done],
    second: [[...second.value], second.done],
    third: third.done,
  };
}

async function errors() {
  const locked = new ReadableStream();
  locked.getReader();
  const writable = new WritableStream();
  writable.getWriter();
  const released = new ReadableStream().getReader();
  released.releaseLock();
  let controller;
  new ReadableStream({ start(c) { controller = c; } });
  controller.close();
  return {
    getReaderLocked: await attempt(() => locked.getReader()),
    cancelLocked: await attempt(() => locked.cancel()),
    pipeToLocked: await attempt(() => locked.pipeTo(new WritableStream())),
    teeLocked: await attempt(() => locked.tee()),
    getWriterLocked: await attempt(() => writable.getWriter()),
    byobOnDefault: await attempt(() => new ReadableStream().getReader({ mode: "byob" })),
    badMode: await attempt(() => new ReadableStream().getReader({ mode: "x" })),
    badType: await attempt(() => new ReadableStream({ type: "x" })),
    readReleased: await attempt(() => released.read()),
    closeTwice: await attempt(() => controller.close()),
    enqueueClosed: await attempt(() => controller.enqueue("x")),
    compressionNoFormat: await attempt(() => new CompressionStream()),
    compressionBadFormat: await attempt(() => new CompressionStream("zip")),
    brotli: await attempt(() => new DecompressionStream("brotli")),
    decoderStreamNotBytes: await attempt(async () => {
      const writer = new TextDecoderStream().writable.getWriter();
      await writer.write("not bytes");
    }),
    corrupt: await attempt(async () => {
      const stream = new Response(new Uint8Array([1, 2, 3, 4])).body
        .pipeThrough(new DecompressionStream("gzip"));
      return await new Response(stream).text();
    }),
    stringChunkBody: await attempt(() => new Response(ReadableStream.from(["str"])).text()),
  };
}

async function compression() {
  const text = "hello hello hello hello";
  const out = {};
  for (const format of ["gzip", "deflate", "deflate-raw", "brotli"]) {
    const bytes = await compress(format, text);
    const back = new Response(
      new Response(bytes).body.pipeThrough(new DecompressionStream(format)),
    );
    out[format] = { head: [...bytes.slice(0, 10)], roundTrip: await back.text() };
  }
  out.deflateRawHello = [...(await compress("deflate-raw", "hello"))];
  out.deflateHello = [...(await compress("deflate", "hello"))];
  out.brotliHello = [...(await compress("brotli", "hello"))];
  const gz = await compress("gzip", "hello hello hello");
  const decompress = (bytes, format) => new Response(
    new Response(bytes).body.pipeThrough(new DecompressionStream(format)),
  ).text().then((t) => t, (e) => [e.name, e.message]);
  out.failures = {
    truncated: await decompress(gz.slice(0, 10), "gzip"),
    corrupt: await decompress(new Uint8Array([1, 2, 3, 4]), "gzip"),
    trailing: await decompress(new Uint8Array([...gz, 1, 2]), "gzip"),
    empty: await decompress(new Uint8Array(0), "gzip"),
    brotliCorrupt: await decompress(new Uint8Array([1, 2, 3, 4, 5]), "brotli"),
  };
  return out;
}

async function bodies() {
  const fromStream = new Response(ReadableStream.from([encode("ab"), encode("cd")]));
  const clone = fromStream.clone();
  const usedBefore = fromStream.bodyUsed;
  const text = await fromStream.text();
  const stringBody = new Response("xyz");
  const reader = stringBody.body.getReader();
  const chunk = await reader.read();
  const request = new Request("https://example.com/", {
    method: "POST",
    body: ReadableStream.from([encode("req")]),
  });
  const read = new Response("once");
  await read.text();
  return {
    usedBefore,
    text,
    usedAfter: fromStream.bodyUsed,
    cloneText: await clone.text(),
    stringBodyChunk: [...chunk.value],
    stringBodyUsed: stringBody.bodyUsed,
    lockedRead: await attempt(() => stringBody.text()),
    requestBody: await request.text(),
    bodyAfterRead: [read.body !== null, read.body.locked, read.bodyUsed],
    nullBody: new Response(null).body,
    sameStream: (() => {
      const r = new Response("s");
      return r.body === r.body;
    })(),
  };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/basics":
        return Response.json(await basics());
      case "/byob":
        return Response.json(await byob());
      case "/errors":
        return Response.json(await errors());
      case "/compression":
        return Response.json(await compression());
      case "/bodies":
        return Response.json(await bodies());
      case "/streamed": {
        // A body written by timers after the handler has returned.
        const { readable, writable } = new TransformStream();
        const writer = writable.getWriter();
        let n = 0;
        const id = setInterval(() => {
          writer.write(encode(`chunk${n++};`));
          if (n === 3) {
            clearInterval(id);
            writer.close();
          }
        }, 1);
        return new Response(readable, { headers: { "content-type": "text/plain" } });
      }
      case "/gzip-echo":
        return new Response(request.body.pipeThrough(new CompressionStream("gzip")));
    }
    return new Response("no such route\n", { status: 404 });
  },
};
