// The I/O globals: fetch(), WebSocket, WebSocketPair and the events a
// WebSocket fires. Installed by the runtime's setup() with the host natives.

import { fetch } from './fetch.js';
import { initIo } from './io.js';
import {
  CloseEvent,
  ErrorEvent,
  MessageEvent,
  WebSocket,
  WebSocketPair,
} from './websocket.js';

export function installIoGlobals(natives) {
  initIo(natives);
  const values = { fetch, WebSocket, WebSocketPair };
  // The event classes may come from the events module instead.
  for (const [name, value] of Object.entries({
    MessageEvent,
    CloseEvent,
    ErrorEvent,
  })) {
    if (!(name in globalThis)) values[name] = value;
  }
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
