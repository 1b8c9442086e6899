import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import WebSocket from 'ws';
import { onTestFinished } from 'vitest';
import { type Ack, errorCodes } from '../../src/protocol';
import { type AppOptions, buildApp, type ClassroomApp } from '../../src/server/app';
import { createTokenService, type TokenService } from '../../src/server/auth/tokens';
import { createMemoryClassDirectory } from '../../src/server/classes/class-directory';
import { createMemoryChatStore } from '../../src/server/chat/chat-store';
import { createMemoryClassStore } from '../../src/server/classroom/class-store';
import { TEST_JWT_SECRET } from '../helpers/server';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** mulberry32: a small seeded PRNG, so a failing fuzz run can be replayed with its seed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** A whole number in [0, n). */
    int: (n: number) => Math.floor(next() * n),
    /** A whole number in [lo, hi]. */
    between: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  };
}
export type Prng = ReturnType<typeof prng>;

/** Whether an ack is exactly a refusal of the contract: `{ ok: false, error: { code, message } }`, code in the list. */
export function isContractFailure(ack: unknown): ack is { ok: false; error: { code: string; message: string } } {
  if (!ack || typeof ack !== 'object') return false;
  const { ok, error, ...rest } = ack as Record<string, unknown>;
  if (ok !== false || Object.keys(rest).length > 0 || !error || typeof error !== 'object') return false;
  const { code, message, ...more } = error as Record<string, unknown>;
  return (
    Object.keys(more).length === 0 &&
    typeof message === 'string' &&
    (errorCodes as readonly unknown[]).includes(code)
  );
}

/** Captures everything a pino logger writes, as text. */
export function memoryLogger(level: pino.LevelWithSilent = 'trace'): { logger: Logger; text(): string; lines(): string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level }, stream);
  return { logger, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

export interface BuiltApp extends ClassroomApp {
  url: string;
  tokens: TokenService;
  close(): Promise<void>;
}

/**
 * The real app on a free port, with the parts `startTestServer` does not let a test choose
 * (the logger, CORS origins). Closed when the calling test finishes.
 */
export async function startApp(options: Partial<AppOptions> = {}): Promise<BuiltApp> {
  const tokens = options.tokens ?? createTokenService(TEST_JWT_SECRET);
  const built = await buildApp({
    logger: pino({ level: 'silent' }),
    store: createMemoryClassStore(),
    classes: createMemoryClassDirectory(),
    chat: createMemoryChatStore(),
    iceServers: [],
    ...options,
    tokens,
  });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = built.app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= built.app.close().then(() => undefined));
  onTestFinished(() => close());
  return { ...built, url: `http://127.0.0.1:${port}`, tokens, close };
}

/**
 * A Socket.IO client written by hand over a bare WebSocket (Engine.IO v4), for what socket.io-client
 * will not send: frames of an exact size, nesting deeper than its encoder recurses, broken packets.
 */
export class RawClient {
  private acks = new Map<number, (args: unknown[]) => void>();
  private nextAck = 1;
  readonly events: Array<[string, unknown]> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  isClosed = false;
  socketId = '';

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.isClosed = true;
        for (const reject of this.acks.values()) reject([{ closed: true }]);
        this.acks.clear();
        resolve({ code, reason: reason.toString() });
      }),
    );
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = data.toString();
      if (frame === '2') return ws.send('3'); // Engine.IO ping
      if (!frame.startsWith('4')) return;
      const packet = frame.slice(1);
      const m = /^([0-9])(\d*)(.*)$/s.exec(packet);
      if (!m) return;
      const [, type, id, body] = m;
      if (type === '2') {
        const [event, payload] = JSON.parse(body) as [string, unknown];
        this.events.push([event, payload]);
      } else if (type === '3') {
        this.acks.get(Number(id))?.(JSON.parse(body) as unknown[]);
        this.acks.delete(Number(id));
      }
    });
  }

  /** Opens the WebSocket and the default namespace with `auth`; rejects when the handshake is refused. */
  static async connect(url: string, auth: Record<string, unknown>): Promise<RawClient> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    const client = new RawClient(ws);
    onTestFinished(() => {
      if (!client.isClosed) ws.terminate();
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const frame = data.toString();
        if (frame.startsWith('0')) ws.send(`40${JSON.stringify(auth)}`);
        else if (frame.startsWith('40')) {
          client.socketId = (JSON.parse(frame.slice(2)) as { sid: string }).sid;
          ws.off('message', onMessage);
          resolve();
        } else if (frame.startsWith('44')) {
          ws.off('message', onMessage);
          reject(Object.assign(new Error('connect_error'), { data: JSON.parse(frame.slice(2)) }));
        }
      };
      ws.on('message', onMessage);
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('closed during the handshake')));
    });
    return client;
  }

  /** Sends one raw Engine.IO frame, e.g. `42["event",{}]`. */
  send(frame: string) {
    this.ws.send(frame);
  }

  /** The frame `emit` would send for this event with an ack id, and the id. */
  frame(event: string, payloadJson: string): { frame: string; id: number } {
    const id = this.nextAck++;
    return { frame: `42${id}[${JSON.stringify(event)},${payloadJson}]`, id };
  }

  /** Sends a frame made by `frame()` and resolves with its ack (or `{ closed: true }` if the connection closes first). */
  sendWithAck<T = Ack>({ frame, id }: { frame: string; id: number }, timeout = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`no ack for packet ${id} within ${timeout} ms`));
      }, timeout);
      this.acks.set(id, (args) => {
        clearTimeout(timer);
        resolve(args[0] as T);
      });
      this.send(frame);
    });
  }

  /** Emits an event whose payload is already JSON text and resolves with its ack. */
  emitJson<T = Ack>(event: string, payloadJson: string, timeout?: number): Promise<T> {
    return this.sendWithAck<T>(this.frame(event, payloadJson), timeout);
  }

  close() {
    this.ws.close();
  }
}
