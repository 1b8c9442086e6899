/**
 * The link floor's signalling server: the least a server can do to carry a class's signals. It
 * serves the floor's page (a blank document); each page opens a WebSocket to it, as the class page
 * does to its own server, and sends every signal there; the relay passes it on, as it is, to the
 * page of the same start it is for. Signals for a page not connected yet wait for it. Bound to
 * 127.0.0.1, in the driver's process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export interface SignalRelay {
  url: string;
  close(): Promise<void>;
}

/** What a page sends: `from` and `to` are pages of one start (`room`). */
interface Sent {
  room: string;
  from: number;
  to: number;
}

export async function startSignalRelay(): Promise<SignalRelay> {
  const pages = new Map<string, WebSocket>();
  const waiting = new Map<string, string[]>();
  const server = createServer((req, res) => {
    if (req.url === '/' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end('<!doctype html><html><head><title>link floor</title></head><body style="margin:0;background:#020617"></body></html>');
      return;
    }
    res.writeHead(404).end();
  });
  const sockets = new WebSocketServer({ server, path: '/signals' });
  sockets.on('connection', (socket, req) => {
    const at = new URL(req.url ?? '/', 'http://127.0.0.1');
    const key = `${at.searchParams.get('room')}:${at.searchParams.get('page')}`;
    pages.set(key, socket);
    for (const message of waiting.get(key) ?? []) socket.send(message);
    waiting.delete(key);
    socket.on('close', () => {
      if (pages.get(key) === socket) pages.delete(key);
    });
    socket.on('message', (raw) => {
      const message = raw.toString();
      let to: string;
      try {
        const sent = JSON.parse(message) as Sent;
        to = `${sent.room}:${sent.to}`;
      } catch {
        socket.close(1003, 'not a signal');
        return;
      }
      const page = pages.get(to);
      if (page?.readyState === WebSocket.OPEN) page.send(message);
      else {
        const queue = waiting.get(to);
        if (queue) queue.push(message);
        else waiting.set(to, [message]);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets.clients) socket.terminate();
        pages.clear();
        waiting.clear();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
