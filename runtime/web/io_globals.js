// The I/O globals: fetch(), WebSocket and WebSocketPair (and CloseEvent,
// which only WebSockets fire). Installed by the runtime's setup() with the
// host natives.

import { CloseEvent } from './events.js';
import { fetch } from './fetch.js';
import { initIo } from './io.js';
import { WebSocket, WebSocketPair } from './websocket.js';

export function installIoGlobals(natives) {
  initIo(natives);
  const values = { fetch, WebSocket, WebSocketPair, CloseEvent };
  for (const [name, value] of Object.entries(values)) {
    Object.defineProperty(globalThis, name, {
      value,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  Object.defineProperty(fetch, 'length', { value: 0 });
}
