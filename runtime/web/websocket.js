// WebSocket and WebSocketPair, as workerd has them: each WebSocket is one
// end of a host channel (natives.ws*), so the other end can be this
// isolate's peer socket, the front door's upgraded connection or an
// outbound client. Messages and closes arrive as MessageEvent, CloseEvent
// and ErrorEvent, with workerd's checks and messages for misuse.

import { DOMException } from './dom_exception.js';
import {
  CloseEvent,
  ErrorEvent,
  Event,
  EventTarget,
  MessageEvent as BaseMessageEvent,
} from './events.js';
import { ioNatives } from './io.js';
import { bufferSourceBytes, isBufferSource, requireNew } from './webidl.js';

const kConstruct = Symbol('WebSocket');

// workerd's web_socket_auto_reply_to_close (on from compatibility date
// 2026-04-07): a Close from the peer is answered at once with the same code
// and reason, and the close event sees readyState CLOSED.
let autoReplyToClose = false;

export function configureWebSockets(compatibilityDate, flags) {
  autoReplyToClose =
    flags.includes('web_socket_auto_reply_to_close') ||
    (compatibilityDate >= '2026-04-07' &&
      !flags.includes('web_socket_manual_reply_to_close'));
}
const kMaxAttachment = 16384;

const kNotAccepted =
  'You must call one of accept() or state.acceptWebSocket() on this ' +
  'WebSocket before sending messages.';

// ===========================================================================
// Events

// A WebSocket's message events have a null origin, as on workerd. A computed
// key keeps the class's name through bundling.
const MessageEvent = {
  MessageEvent: class extends BaseMessageEvent {
    get origin() {
      return null;
    }
  },
}.MessageEvent;

// The protocols argument as the header value, with workerd's checks;
// null when none was given.
function checkProtocols(protocols) {
  if (protocols === undefined) return null;
  const valid = (token) =>
    token.length > 0 && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(token);
  if (
    typeof protocols === 'string' ||
    !(Symbol.iterator in Object(protocols))
  ) {
    const token = `${protocols}`;
    if (!valid(token)) {
      throw new DOMException(
        'WebSocket Constructor: The protocol header token is invalid.',
        'SyntaxError',
      );
    }
    return token;
  }
  const tokens = [...protocols].map((token) => `${token}`);
  const seen = new Set();
  for (const token of tokens) {
    if (!valid(token)) {
      throw new DOMException(
        'WebSocket Constructor: One of the protocol header tokens is invalid.',
        'SyntaxError',
      );
    }
    if (seen.has(token)) {
      throw new DOMException(
        'WebSocket Constructor: The protocols header cannot have repeating ' +
          'values.',
        'SyntaxError',
      );
    }
    seen.add(token);
  }
  return tokens.length === 0 ? null : tokens.join(', ');
}

// fetch(), set by fetch.js (which imports this module).
let connector = null;

export function setWebSocketConnector(fetch) {
  connector = fetch;
}

// ===========================================================================
// WebSocket

let wsState;

export class WebSocket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  #handle;
  #accepted = false;
  #released = false;
  #closedOutgoing = false;
  #closedIncoming = false;
  #errored = false;
  #handlers = { open: null, message: null, close: null, error: null };
  #attachment = undefined;
  #hook = null;
  #url = null;
  #protocol = '';
  #extensions = '';
  #connecting = false;
  #fromConstructor = false;

  constructor(...args) {
    requireNew(new.target, 'WebSocket');
    super();
    if (args[0] === kConstruct) {
      this.#handle = args[1];
      return;
    }
    if (args.length < 1) {
      throw new TypeError(
        "Failed to construct 'WebSocket': constructor parameter 1 is not of " +
          "type 'string'.",
      );
    }
    let url;
    try {
      url = new URL(`${args[0]}`);
    } catch {
      throw new DOMException(
        'WebSocket Constructor: The url is invalid.',
        'SyntaxError',
      );
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new DOMException(
        'WebSocket Constructor: The url scheme must be ws or wss.',
        'SyntaxError',
      );
    }
    if (url.hash !== '') {
      throw new DOMException(
        'WebSocket Constructor: The url fragment must be empty.',
        'SyntaxError',
      );
    }
    const protocols = checkProtocols(args[1]);
    this.#url = `${args[0]}`;
    this.#connecting = true;
    this.#fromConstructor = true;
    this.#connect(url, protocols);
  }

  // new WebSocket(url): an upgrade request through fetch(); `open` once the
  // server answers 101, `error` then `close` (1006) when it does not.
  async #connect(url, protocols) {
    const target =
      (url.protocol === 'ws:' ? 'http:' : 'https:') +
      url.href.slice(url.protocol.length);
    const headers = { Upgrade: 'websocket' };
    if (protocols !== null) headers['Sec-WebSocket-Protocol'] = protocols;
    let response;
    try {
      response = await connector(target, { headers });
      if (response.status !== 101 || response.webSocket === null) {
        throw new TypeError(
          'Failed to establish the WebSocket connection: expected server to ' +
            'reply with HTTP status code 101 (switching protocols), but ' +
            `received ${response.status} instead.`,
        );
      }
    } catch (error) {
      if (!this.#connecting) return;
      this.#connecting = false;
      this.#closedIncoming = true;
      this.#errored = true;
      this.#dispatch(
        new ErrorEvent('error', { message: `Uncaught ${error}`, error }),
      );
      this.#dispatch(
        new CloseEvent('close', {
          code: 1006,
          reason: 'Failed to establish websocket connection',
          wasClean: false,
        }),
      );
      return;
    }
    const remote = wsState(response.webSocket);
    remote.release();
    if (!this.#connecting) {
      // close() was called while connecting: drop the connection.
      ioNatives().wsRelease(remote.handle);
      return;
    }
    this.#connecting = false;
    this.#handle = remote.handle;
    this.#protocol = response.headers.get('sec-websocket-protocol');
    this.#extensions = response.headers.get('sec-websocket-extensions');
    this.#accepted = true;
    ioNatives().wsListen(this.#handle, (kind, data, code) =>
      this.#receive(kind, data, code),
    );
    this.#dispatch(new Event('open'));
  }

  static {
    wsState = (ws) => ({
      handle: ws.#handle,
      accepted: ws.#accepted,
      released: ws.#released,
      fromConstructor: ws.#fromConstructor,
      release() {
        ws.#released = true;
      },
      // Accepts for the hibernation API: events go to `hook` instead of
      // listeners.
      acceptHibernatable(hook) {
        ws.#accepted = true;
        ws.#hook = hook;
        ioNatives().wsListen(ws.#handle, (kind, data, code) =>
          ws.#receive(kind, data, code),
        );
      },
      attachment: () => ws.#attachment,
      setAttachment(value) {
        ws.#attachment = value;
      },
    });
  }

  get CONNECTING() {
    return 0;
  }

  get OPEN() {
    return 1;
  }

  get CLOSING() {
    return 2;
  }

  get CLOSED() {
    return 3;
  }

  get readyState() {
    if (this.#connecting) return 0;
    if ((this.#closedIncoming && this.#closedOutgoing) || this.#errored) {
      return 3;
    }
    if (this.#closedIncoming || this.#closedOutgoing) return 2;
    return 1;
  }

  get url() {
    return this.#url;
  }

  get protocol() {
    return this.#protocol;
  }

  get extensions() {
    return this.#extensions;
  }

  get binaryType() {
    return 'arraybuffer';
  }

  get bufferedAmount() {
    return 0;
  }

  accept() {
    if (this.#fromConstructor) {
      throw new TypeError(
        "Websockets obtained from the 'new WebSocket()' constructor cannot " +
          'call accept',
      );
    }
    if (this.#released) {
      throw new TypeError(
        "Can't accept() WebSocket that was already used in a response.",
      );
    }
    if (this.#hook !== null) {
      throw new TypeError(
        "Can't accept() WebSocket after enabling hibernation.",
      );
    }
    if (this.#accepted) return;
    this.#accepted = true;
    ioNatives().wsListen(this.#handle, (kind, data, code) =>
      this.#receive(kind, data, code),
    );
  }

  send(...args) {
    if (args.length < 1) {
      throw new TypeError(
        "Failed to execute 'send' on 'WebSocket': parameter 1 is not of type " +
          "'ArrayBuffer or ArrayBufferView or string'.",
      );
    }
    if (this.#closedOutgoing) {
      throw new TypeError("Can't call WebSocket send() after close().");
    }
    if (this.#released || this.#errored) return;
    if (!this.#accepted) throw new TypeError(kNotAccepted);
    const message = args[0];
    if (isBufferSource(message)) {
      ioNatives().wsSend(this.#handle, 'binary', bufferSourceBytes(message));
    } else {
      ioNatives().wsSend(this.#handle, 'text', `${message}`);
    }
  }

  close(code = undefined, reason = undefined) {
    if (this.#connecting) {
      // Before the connection is made, close() cancels it, as on workerd.
      this.#connecting = false;
      this.#released = true;
      return;
    }
    if (this.#closedOutgoing || this.#released || this.#errored) return;
    if (!this.#accepted) throw new TypeError(kNotAccepted);
    if (code !== undefined) {
      code = Number(code) | 0;
      if (
        code < 1000 ||
        code >= 5000 ||
        code === 1004 ||
        code === 1005 ||
        code === 1006 ||
        code === 1015
      ) {
        throw new DOMException(
          `Invalid WebSocket close code: ${code}.`,
          'InvalidAccessError',
        );
      }
    }
    if (reason !== undefined && code === undefined) {
      throw new DOMException(
        'If you specify a WebSocket close reason, you must also specify a ' +
          'code.',
        'InvalidAccessError',
      );
    }
    this.#closedOutgoing = true;
    ioNatives().wsSend(
      this.#handle,
      'close',
      reason === undefined ? '' : `${reason}`,
      code ?? 1005,
    );
  }

  serializeAttachment(value) {
    const size = ioNatives().serializedSize(value);
    if (size > kMaxAttachment) {
      throw new Error(
        `A WebSocket 'attachment' cannot be larger than ${kMaxAttachment} ` +
          `bytes.'attachment' was ${size} bytes.`,
      );
    }
    this.#attachment = structuredClone(value);
  }

  deserializeAttachment() {
    return this.#attachment === undefined
      ? null
      : structuredClone(this.#attachment);
  }

  // ---- Events ------------------------------------------------------------

  // Runs the on<type> handler, then the listeners.
  #dispatch(event) {
    const handler = this.#handlers[event.type];
    if (typeof handler === 'function') {
      try {
        handler.call(this, event);
      } catch (error) {
        reportError(error);
      }
    }
    this.dispatchEvent(event);
  }

  get onopen() {
    return this.#handlers.open;
  }

  set onopen(value) {
    this.#handlers.open = typeof value === 'function' ? value : null;
  }

  get onmessage() {
    return this.#handlers.message;
  }

  set onmessage(value) {
    this.#handlers.message = typeof value === 'function' ? value : null;
  }

  get onclose() {
    return this.#handlers.close;
  }

  set onclose(value) {
    this.#handlers.close = typeof value === 'function' ? value : null;
  }

  get onerror() {
    return this.#handlers.error;
  }

  set onerror(value) {
    this.#handlers.error = typeof value === 'function' ? value : null;
  }

  // One event from the host end: a message, the peer's close, a lost
  // connection or a protocol error.
  #receive(kind, data, code) {
    if (
      kind === 'close' &&
      autoReplyToClose &&
      !this.#closedOutgoing &&
      !this.#released &&
      !this.#errored
    ) {
      this.#closedOutgoing = true;
      ioNatives().wsSend(this.#handle, 'close', data, code);
    }
    if (kind !== 'text' && kind !== 'binary') this.#closedIncoming = true;
    if (kind === 'error') this.#errored = true;
    if (this.#hook !== null) {
      this.#hook(kind, data, code);
      return;
    }
    if (kind === 'text' || kind === 'binary') {
      this.#dispatch(new MessageEvent('message', { data }));
      return;
    }
    if (kind === 'close') {
      this.#closedIncoming = true;
      this.#dispatch(
        new CloseEvent('close', { code, reason: data, wasClean: true }),
      );
      return;
    }
    if (kind === 'aborted') {
      this.#closedIncoming = true;
      this.#dispatch(
        new CloseEvent('close', { code: 1006, reason: data, wasClean: false }),
      );
      return;
    }
    this.#closedIncoming = true;
    this.#errored = true;
    const error = new Error(data);
    this.#dispatch(
      new ErrorEvent('error', { message: `Uncaught Error: ${data}`, error }),
    );
  }
}

Object.defineProperty(WebSocket.prototype, Symbol.toStringTag, {
  value: 'WebSocket',
  configurable: true,
});

// Hands an unaccepted end over to another isolate or object (a Response
// crossing RPC): the end is parked in the host and `token` picks it up.
export function webSocketToToken(ws) {
  const state = wsState(ws);
  if (state.released) {
    throw new TypeError(
      "Can't return WebSocket that was already used in a response.",
    );
  }
  if (state.accepted) {
    throw new TypeError(
      "Can't return WebSocket in a Response after calling accept().",
    );
  }
  state.release();
  return ioNatives().wsPark(state.handle);
}

export function webSocketFromToken(token) {
  return new WebSocket(kConstruct, ioNatives().wsUnpark(token));
}

// Internal access, for Response and the hibernation API.
export function webSocketState(ws) {
  return wsState(ws);
}

export function isWebSocket(value) {
  return value instanceof WebSocket;
}

// A WebSocket over host end `handle` (an outbound client's).
export function webSocketFromHost(handle) {
  return new WebSocket(kConstruct, handle);
}

// A function rather than a class, so that calling it without `new` gives
// workerd's message rather than V8's.
export function WebSocketPair() {
  requireNew(new.target, 'WebSocketPair');
  const [first, second] = ioNatives().wsPair();
  Object.defineProperty(this, '0', {
    value: new WebSocket(kConstruct, first),
    enumerable: true,
  });
  Object.defineProperty(this, '1', {
    value: new WebSocket(kConstruct, second),
    enumerable: true,
  });
}

WebSocketPair.prototype[Symbol.iterator] = function* iterate() {
  yield this[0];
  yield this[1];
};

Object.defineProperty(WebSocketPair.prototype, Symbol.toStringTag, {
  value: 'WebSocketPair',
  configurable: true,
});
