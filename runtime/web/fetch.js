// The global fetch(): builds the Request, sends it through the host's HTTP
// client (natives.fetch), follows redirects as workerd does, and gives back
// a Response whose body streams in. Headers go out in workerd's order:
// framing first, then Host, then the headers workerd knows by name in its
// order, then the rest sorted.
// TODO(compat): header names workerd does not know go out lower-cased, and
// repeated values joined with ", ", where workerd keeps the case given and
// one line per value.

import { getBodyState } from './body.js';
import { DOMException } from './dom_exception.js';
import { Headers } from './headers.js';
import { ioNatives, pumpToHost, readableFromHost } from './io.js';
import { Request } from './request.js';
import { makeFetchedResponse } from './response.js';
import { DecompressionStream, ReadableStream } from './streams.js';
import { setWebSocketConnector, webSocketFromHost } from './websocket.js';

const kMaxRedirects = 20;
const kRedirectStatuses = new Set([301, 302, 303, 307, 308]);
const kNullBodyStatuses = new Set([101, 204, 205, 304]);

// Headers the host sets itself (framing, connection management).
const kDropped = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-accept',
]);

// The headers workerd knows by name, in the order it writes them.
const kKnown = [
  'Date',
  'Location',
  'Content-Type',
  'Accept-Encoding',
  'Accept',
  'Authorization',
  'Cookie',
  'User-Agent',
  'CF-Ray',
  'Origin',
  'Sec-WebSocket-Protocol',
  'Sec-WebSocket-Extensions',
];
const kKnownByLower = new Map(
  kKnown.map((name, i) => [name.toLowerCase(), { name, order: i }]),
);

function wireHeaders(url, headers, framing) {
  const out = [...framing];
  out.push(['Host', url.host]);
  const known = [];
  const rest = [];
  for (const [name, value] of headers) {
    if (kDropped.has(name)) continue;
    const entry = kKnownByLower.get(name);
    if (entry) {
      known.push([entry.order, entry.name, value]);
    } else {
      rest.push([name, value]);
    }
  }
  known.sort((a, b) => a[0] - b[0]);
  for (const [, name, value] of known) out.push([name, value]);
  for (const entry of rest) out.push(entry);
  return out;
}

function checkUrl(href) {
  const url = new URL(href);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`Fetch API cannot load: ${href}`);
  }
  return url;
}

function abortReason(signal) {
  const reason = signal.reason;
  return reason === undefined
    ? new DOMException('The operation was aborted', 'AbortError')
    : reason;
}

// One request on the wire; resolves with the host's response record.
function sendOnce(request, signal) {
  return new Promise((resolve, reject) => {
    const natives = ioNatives();
    let settled = false;
    let onAbort = null;
    const handle = natives.fetch(request, (error, response) => {
      if (settled) return;
      settled = true;
      if (onAbort) signal.removeEventListener('abort', onAbort);
      if (error !== null) {
        reject(new Error(error));
      } else {
        resolve(response);
      }
    });
    if (signal && typeof signal.addEventListener === 'function') {
      onAbort = () => {
        if (settled) return;
        settled = true;
        natives.fetchAbort(handle);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort);
    }
  });
}

// The body bytes of `request` to send again on a redirect, or a stream.
async function bodyOf(request) {
  const state = getBodyState(request);
  const source = state.source();
  if (source === null) return null;
  if (source instanceof Uint8Array) return source;
  return { stream: request.body };
}

export async function fetch(...args) {
  if (args.length < 1) {
    throw new TypeError(
      "Failed to execute 'fetch' on 'ServiceWorkerGlobalScope': parameter 1 " +
        "is not of type 'Request or string'.",
    );
  }
  const request = new Request(args[0], args[1]);
  const init = args[1];
  const signal =
    (init && typeof init === 'object' && init.signal) ||
    (args[0] instanceof Request ? args[0].signal : null) ||
    null;
  if (signal && signal.aborted === true) throw abortReason(signal);

  let url = checkUrl(request.url);
  let method = request.method;
  const headers = new Headers(request.headers);
  const webSocket =
    (headers.get('upgrade') ?? '').toLowerCase() === 'websocket';
  let body = await bodyOf(request);
  if (body !== null && !(body instanceof Uint8Array)) {
    // A stream goes once; a redirect that needs it again fails.
    getBodyState(request).markUsed();
  } else if (body !== null) {
    getBodyState(request).markUsed();
  }
  const urlList = [url.href.replace(/#.*$/, '')];

  for (let redirects = 0; ; ++redirects) {
    const framing = [];
    let bodyHandle = 0;
    if (webSocket) {
      framing.push(
        ['Connection', 'Upgrade'],
        ['Upgrade', 'websocket'],
        ['Sec-WebSocket-Version', '13'],
      );
    } else if (body === null) {
      if (method !== 'GET' && method !== 'HEAD') {
        framing.push(['Content-Length', '0']);
      }
    } else if (body instanceof Uint8Array) {
      framing.push(['Content-Length', `${body.length}`]);
      bodyHandle = pumpToHost(
        new ReadableStream({
          start(controller) {
            if (body.length > 0) controller.enqueue(body.slice());
            controller.close();
          },
        }),
        body.length,
      );
    } else {
      framing.push(['Transfer-Encoding', 'chunked']);
      bodyHandle = pumpToHost(body.stream);
      body = { used: true };
    }
    const wire = {
      method,
      url: url.href.replace(/#.*$/, ''),
      headers: wireHeaders(url, headers, framing),
      body: bodyHandle,
      webSocket,
    };
    const response = await sendOnce(wire, signal);

    const location = response.headers.find(
      ([name]) => name.toLowerCase() === 'location',
    )?.[1];
    if (
      kRedirectStatuses.has(response.status) &&
      location !== undefined &&
      request.redirect === 'follow' &&
      !webSocket
    ) {
      if (response.body) ioNatives().streamCancel(response.body, 'redirect');
      if (redirects >= kMaxRedirects) {
        throw new TypeError(`Too many redirects.${urlList.join(', ')}`);
      }
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new TypeError(`Fetch API cannot load: ${next.href}`);
      }
      const changesToGet =
        response.status === 303
          ? method !== 'HEAD'
          : (response.status === 301 || response.status === 302) &&
            method === 'POST';
      if (body !== null && !(body instanceof Uint8Array)) {
        throw new TypeError(
          'A request with a one-time-use body (it was initialized from a ' +
            'stream, not a buffer) encountered a redirect requiring the body ' +
            'to be retransmitted. To avoid this error in the future, ' +
            'construct this request from a buffer-like body initializer.',
        );
      }
      if (changesToGet) {
        method = 'GET';
        body = null;
      }
      url = next;
      urlList.push(url.href.replace(/#.*$/, ''));
      continue;
    }
    return finishResponse(response, method, urlList, redirects > 0, signal);
  }
}

function finishResponse(response, method, urlList, redirected, signal) {
  let body = null;
  if (response.body) {
    if (method === 'HEAD' || kNullBodyStatuses.has(response.status)) {
      ioNatives().streamCancel(response.body, 'no body');
    } else {
      body = readableFromHost(response.body);
      const encoding = response.headers
        .find(([name]) => name.toLowerCase() === 'content-encoding')?.[1]
        ?.trim()
        .toLowerCase();
      if (encoding === 'gzip' || encoding === 'deflate') {
        body = body.pipeThrough(new DecompressionStream(encoding));
      }
      if (signal && typeof signal.addEventListener === 'function') {
        const stream = body;
        signal.addEventListener('abort', () => {
          stream.cancel(abortReason(signal)).catch(() => {});
        });
      }
    }
  }
  const headers = new Headers();
  for (const [name, value] of response.headers) headers.append(name, value);
  return makeFetchedResponse({
    status: response.status,
    statusText: response.statusText,
    headers,
    body,
    url: urlList[urlList.length - 1],
    redirected,
    webSocket: response.webSocket
      ? webSocketFromHost(response.webSocket)
      : null,
  });
}

setWebSocketConnector(fetch);
