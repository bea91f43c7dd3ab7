// The chat room Worker: serves the page, and hands each room's requests
// (WebSocket upgrades, the history as JSON) to that room's Durable Object.

import { DurableObject } from 'cloudflare:workers';
import { PAGE } from './page.js';

const kHistory = 50;

export class ChatRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS messages (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         name TEXT NOT NULL,
         text TEXT NOT NULL,
         at INTEGER NOT NULL)`,
    );
    // Keep-alive pings are answered without waking the room.
    ctx.setWebSocketAutoResponse(
      new WebSocketRequestResponsePair('ping', 'pong'),
    );
    console.log(`room constructed, ${ctx.getWebSockets().length} sockets`);
  }

  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname.endsWith('/history')) {
      return Response.json(this.history());
    }
    if (request.headers.get('Upgrade') !== 'websocket') {
      return new Response('Expected a WebSocket upgrade', { status: 426 });
    }
    const name = url.searchParams.get('name') || 'anonymous';
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [name]);
    server.serializeAttachment({ name });
    server.send(JSON.stringify({ type: 'history', messages: this.history() }));
    this.broadcast({ type: 'join', name }, server);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws, message) {
    const { name } = ws.deserializeAttachment();
    const text =
      typeof message === 'string' ? message : new TextDecoder().decode(message);
    this.sql.exec(
      'INSERT INTO messages (name, text, at) VALUES (?, ?, ?)',
      name,
      text,
      Date.now(),
    );
    this.broadcast({ type: 'message', name, text });
  }

  async webSocketClose(ws, code, reason, wasClean) {
    const { name } = ws.deserializeAttachment() ?? { name: 'anonymous' };
    // Before compatibility date 2026-04-07 the room completes the close
    // handshake itself.
    if (wasClean) ws.close(1000, 'bye');
    this.broadcast({ type: 'leave', name }, ws);
  }

  history() {
    return this.sql
      .exec(
        'SELECT name, text FROM messages ORDER BY id DESC LIMIT ?',
        kHistory,
      )
      .toArray()
      .reverse();
  }

  broadcast(message, except = null) {
    const data = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets()) {
      if (ws !== except && ws.readyState === WebSocket.OPEN) ws.send(data);
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/') {
      return new Response(PAGE, {
        headers: { 'content-type': 'text/html;charset=UTF-8' },
      });
    }
    const room = url.pathname.match(/^\/room\/([^/]+)\/(ws|history)$/);
    if (room) {
      return env.ROOMS.getByName(decodeURIComponent(room[1])).fetch(request);
    }
    return new Response('Not found', { status: 404 });
  },
};
