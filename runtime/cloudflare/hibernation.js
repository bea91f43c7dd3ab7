// The Durable Object WebSocket hibernation API: ctx.acceptWebSocket(),
// ctx.getWebSockets(), ctx.getTags(), ctx.setWebSocketAutoResponse() and the
// webSocketMessage/webSocketClose/webSocketError handlers.
//
// Accepted sockets are kept by object (class and ID), not by instance, so
// they outlive the instance: once it is evicted, the next event on one of
// its sockets constructs the object again (natives.actorDispatch runs the
// handler as an event of the object, through its input gate), and the new
// instance finds its sockets, their tags and attachments in getWebSockets().
// TODO(compat): the sockets stay in this isolate's memory while the object
// is evicted; workerd also frees their JavaScript wrappers.

import { WebSocket, webSocketState } from '../web/websocket.js';

let natives = null;

const kMaxTags = 10;
const kMaxTagLength = 256;
const kMaxAutoResponseSize = 2048;

// Per object key: { sockets: Map<WebSocket, entry>, autoResponse }.
const objects = new Map();

export function initHibernation(hostNatives) {
  natives = hostNatives;
}

function objectOf(key) {
  let object = objects.get(key);
  if (!object) {
    object = { sockets: new Map(), autoResponse: null };
    objects.set(key, object);
  }
  return object;
}

// A function rather than a class, so that a call without `new` gives
// workerd's message rather than V8's.
const pairFields = new WeakMap();

export function WebSocketRequestResponsePair(request, response) {
  if (new.target === undefined) {
    throw new TypeError(
      "Failed to construct 'WebSocketRequestResponsePair': Please use the " +
        "'new' operator, this object constructor cannot be called as a " +
        'function.',
    );
  }
  pairFields.set(this, { request: `${request}`, response: `${response}` });
}

for (const key of ['request', 'response']) {
  Object.defineProperty(WebSocketRequestResponsePair.prototype, key, {
    get() {
      return pairFields.get(this)?.[key];
    },
    enumerable: true,
    configurable: true,
  });
}

// The hibernation methods of one DurableObjectState. `key` names the object
// across instances; `className`, `hex` and `name` address it for events.
export class Hibernation {
  #key;
  #target;

  constructor(className, hex, name) {
    this.#key = `${className}/${hex}`;
    this.#target = [className, hex, name];
  }

  acceptWebSocket(ws, tags = undefined) {
    if (!(ws instanceof WebSocket)) {
      throw new TypeError(
        "Failed to execute 'acceptWebSocket' on 'DurableObjectState': " +
          "parameter 1 is not of type 'WebSocket'.",
      );
    }
    const state = webSocketState(ws);
    if (state.accepted) {
      throw new Error(
        'Cannot call `acceptWebSocket()` if the WebSocket was already ' +
          'accepted via `accept()`',
      );
    }
    if (state.released) {
      throw new Error(
        'Cannot call `acceptWebSocket()` on this WebSocket because its pair ' +
          'has already been accepted or used in a Response.',
      );
    }
    const distinct = [];
    for (const tag of tags ?? []) {
      const text = `${tag}`;
      if (distinct.includes(text)) continue;
      if (distinct.length >= kMaxTags) {
        throw new Error(
          `a Hibernatable WebSocket cannot have more than ${kMaxTags} tags`,
        );
      }
      if (text.length > kMaxTagLength) {
        throw new Error(
          `"${text}" is longer than the max tag length (${kMaxTagLength} ` +
            'characters).',
        );
      }
      distinct.push(text);
    }
    const object = objectOf(this.#key);
    const entry = { tags: distinct, autoResponseTimestamp: null };
    object.sockets.set(ws, entry);
    state.acceptHibernatable((kind, data, code) =>
      this.#onEvent(object, ws, entry, kind, data, code),
    );
  }

  getWebSockets(tag = undefined) {
    const object = objects.get(this.#key);
    if (!object) return [];
    const out = [];
    for (const [ws, entry] of object.sockets) {
      if (tag === undefined || entry.tags.includes(`${tag}`)) out.push(ws);
    }
    return out;
  }

  getTags(ws) {
    const entry = objects.get(this.#key)?.sockets.get(ws);
    if (!entry) {
      throw new Error(
        "you must call 'acceptWebSocket()' before attempting to access the " +
          'tags of a WebSocket.',
      );
    }
    return [...entry.tags];
  }

  setWebSocketAutoResponse(pair = undefined) {
    const object = objectOf(this.#key);
    if (pair === undefined || pair === null) {
      object.autoResponse = null;
      return;
    }
    if (!(pair instanceof WebSocketRequestResponsePair)) {
      throw new TypeError(
        "Failed to execute 'setWebSocketAutoResponse' on " +
          "'DurableObjectState': parameter 1 is not of type " +
          "'WebSocketRequestResponsePair'.",
      );
    }
    const size = (text) => new TextEncoder().encode(text).length;
    if (size(pair.request) > kMaxAutoResponseSize) {
      throw new RangeError(
        `Request cannot be larger than ${kMaxAutoResponseSize} bytes. A ` +
          `request of size ${size(pair.request)} was provided.`,
      );
    }
    if (size(pair.response) > kMaxAutoResponseSize) {
      throw new RangeError(
        `Response cannot be larger than ${kMaxAutoResponseSize} bytes. A ` +
          `response of size ${size(pair.response)} was provided.`,
      );
    }
    object.autoResponse = pair;
  }

  getWebSocketAutoResponse() {
    const pair = objects.get(this.#key)?.autoResponse ?? null;
    if (pair === null) return null;
    return new WebSocketRequestResponsePair(pair.request, pair.response);
  }

  getWebSocketAutoResponseTimestamp(ws) {
    const entry = objects.get(this.#key)?.sockets.get(ws);
    return entry?.autoResponseTimestamp ?? null;
  }

  // One event from a hibernatable socket: an auto-response needs no object;
  // anything else runs the object's handler as an event of the object.
  #onEvent(object, ws, entry, kind, data, code) {
    if (
      kind === 'text' &&
      object.autoResponse !== null &&
      data === object.autoResponse.request
    ) {
      entry.autoResponseTimestamp = new Date();
      if (ws.readyState === 1) ws.send(object.autoResponse.response);
      return;
    }
    const closing = kind !== 'text' && kind !== 'binary';
    if (closing) object.sockets.delete(ws);
    const [className, hex, name] = this.#target;
    natives.actorDispatch(className, hex, name, (instance) => {
      if (kind === 'text' || kind === 'binary') {
        return callHandler(instance, 'webSocketMessage', [ws, data]);
      }
      if (kind === 'close') {
        return callHandler(instance, 'webSocketClose', [ws, code, data, true]);
      }
      if (kind === 'aborted') {
        return callHandler(instance, 'webSocketClose', [ws, 1006, data, false]);
      }
      return callHandler(instance, 'webSocketError', [ws, new Error(data)]);
    });
  }
}

function callHandler(instance, name, args) {
  const handler = instance[name];
  if (typeof handler !== 'function') return undefined;
  return handler.apply(instance, args);
}
