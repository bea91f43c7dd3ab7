async function attempt(fn) {
  try {
    const value = await fn();
    return value === undefined ? "undefined" : value;
  } catch (e) {
    return { error: { name: e.name, message: e.message } };
  }
}

async function blobs() {
  const blob = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])], { type: "Text/Plain" });
  const file = new File(["x"], "a.txt", { type: "text/plain", lastModified: 42 });
  return {
    blob: [blob.size, blob.type, await blob.text(), String(blob)],
    slice: [await blob.slice(1, 3).text(), await blob.slice(-2).text(), blob.slice(0, 1, "X/Y").type],
    bytes: [...new Uint8Array(await blob.arrayBuffer())],
    stream: await new Response(blob.stream()).text(),
    oddType: new Blob([], { type: "a\u00e9" }).type,
    file: [file.name, file.type, file.lastModified, file.size, file instanceof Blob, String(file)],
    fileNoName: await attempt(() => new File(["x"])),
    blobBadParts: await attempt(() => new Blob("abc")),
  };
}

async function forms() {
  const form = new FormData();
  form.append("a", "1");
  form.append("a", "2");
  form.append("f", new Blob(["data"], { type: "text/plain" }), "f.txt");
  form.append("b", new Blob(["x"]));
  form.set("c", "3");
  const file = form.get("f");
  const out = {
    getAll: form.getAll("a"),
    has: [form.has("a"), form.has("z")],
    get: form.get("z"),
    file: [file.constructor.name, file.name, file.type, await file.text()],
    blobName: form.get("b").name,
    keys: [...form.keys()],
    tag: String(form),
    appendOne: await attempt(() => form.append("x")),
  };
  form.delete("a");
  out.afterDelete = [...form.keys()];
  const response = new Response(form);
  out.contentType = /^multipart\/form-data; boundary=.+$/.test(response.headers.get("content-type"));
  const parsed = await response.formData();
  out.roundTrip = await Promise.all([...parsed].map(async ([k, v]) =>
    [k, typeof v === "string" ? v : [v.name, v.type, await v.text()]]));
  const encoded = await new Response("x=1&y=%20two&x=3", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
  }).formData();
  out.urlencoded = [...encoded];
  out.notAForm = await attempt(() => new Response("x").formData());
  out.searchParamsBody = await new Response(new URLSearchParams({ q: "a b" })).text();
  return out;
}

async function bodies() {
  const blobResponse = new Response(new Blob(["hi"], { type: "text/x-hi" }));
  const blob = await new Response("abc", { headers: { "content-type": "text/x-abc" } }).blob();
  const view = new DataView(new Uint8Array([65, 66, 67]).buffer, 1, 2);
  const request = new Request("https://example.com/", { method: "POST", body: new Blob(["rb"]) });
  const controller = new AbortController();
  const withSignal = new Request("https://example.com/", { signal: controller.signal });
  controller.abort();
  return {
    blobResponse: [blobResponse.headers.get("content-type"), await blobResponse.text()],
    blob: [blob.type, blob.size, blob.constructor.name],
    dataView: await new Response(view).text(),
    arrayBuffer: await new Response(new Uint16Array([0x4241]).buffer).text(),
    request: await request.text(),
    signal: [withSignal.signal.aborted, withSignal.signal.constructor.name,
      new Request("https://example.com/").signal.aborted],
    badSignal: await attempt(() => new Request("https://example.com/", { signal: {} })),
    json: await new Response('{"a":1}').json(),
    badJsonName: (await attempt(() => new Response("{").json())).error.name,
    clone: await (async () => {
      const r = new Response("twice");
      const c = r.clone();
      return [await r.text(), await c.text()];
    })(),
    statusText: await attempt(() => new Response("", { statusText: "bad\nline" })),
    setCookie: (() => {
      const h = new Headers();
      h.append("Set-Cookie", "a=1; Path=/");
      h.append("set-cookie", "b=2");
      return [h.getSetCookie(), h.get("set-cookie")];
    })(),
  };
}

async function patterns() {
  const pattern = new URLPattern({ pathname: "/books/:id" });
  const match = pattern.exec("https://example.com/books/42");
  return {
    test: [pattern.test("https://example.com/books/42"), pattern.test("https://example.com/cds/1")],
    id: match.pathname.groups.id,
    pathname: pattern.pathname,
    fromString: new URLPattern("https://example.com/*").test("https://example.com/a/b"),
    tag: String(pattern),
  };
}

async function legacyEncodings() {
  const out = {};
  const cases = {
    shift_jis: [0x82, 0xa0, 0x41], "euc-jp": [0xa4, 0xa2],
    "iso-2022-jp": [0x1b, 0x24, 0x42, 0x24, 0x22, 0x1b, 0x28, 0x42], gbk: [0xc4, 0xe3],
    gb18030: [0x81, 0x30, 0x81, 0x30], big5: [0xa4, 0x40], "euc-kr": [0xb0, 0xa1],
    "x-sjis": [0x82, 0xa0], gb2312: [0xc4, 0xe3], "windows-31j": [0x82, 0xa0],
    "iso-2022-kr": [0x41],
  };
  for (const [label, bytes] of Object.entries(cases)) {
    out[label] = await attempt(() => {
      const decoder = new TextDecoder(label);
      return [decoder.encoding, decoder.decode(new Uint8Array(bytes))];
    });
  }
  out.fatal = await attempt(() =>
    new TextDecoder("euc-kr", { fatal: true }).decode(new Uint8Array([0xb0])));
  out.streaming = await attempt(() => {
    const decoder = new TextDecoder("shift_jis");
    return decoder.decode(new Uint8Array([0x82]), { stream: true }) + "|" +
      decoder.decode(new Uint8Array([0xa0]));
  });
  return out;
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/blobs":
        return Response.json(await blobs());
      case "/forms":
        return Response.json(await forms());
      case "/bodies":
        return Response.json(await bodies());
      case "/legacy-encodings":
        return Response.json(await legacyEncodings());
      case "/patterns":
        return Response.json(await patterns());
      case "/console": {
        const form = new FormData();
        form.append("a", "1");
        console.log("blob", new Blob(["abc"], { type: "text/plain" }));
        console.log("file", new File(["x"], "a.txt", { lastModified: 5 }));
        console.log("form", form);
        console.log("signal", new AbortController().signal);
        console.log("body", new Response("hello").body);
        console.log("crypto", crypto);
        console.log("perf", performance);
        try {
          null.boom;
        } catch (e) {
          console.error(e);
        }
        return new Response("logged");
      }
      case "/echo-form": {
        const form = await request.formData();
        return Response.json(await Promise.all([...form].map(async ([k, v]) =>
          [k, typeof v === "string" ? v : [v.name, v.type, await v.text()]])));
      }
    }
    return new Response("no such route\n", { status: 404 });
  },
};
