import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { type ChatStore, createMemoryChatStore } from '../../src/server/chat/chat-store';
import pino from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import { expect, onTestFinished } from 'vitest';
import type {
  Ack,
  AckFail,
  AckOk,
  ChatMessage,
  ClientAcks,
  ErrorCode,
  Participant,
  Role,
  ServerEventName,
  ServerEventPayload,
} from '../../src/protocol';
import { type AppOptions, buildApp } from '../../src/server/app';
import { createTokenService, type TokenService } from '../../src/server/auth/tokens';
import { type ClassDirectory, createMemoryClassDirectory } from '../../src/server/classes/class-directory';
import { type ClassStore, createMemoryClassStore } from '../../src/server/classroom/class-store';
import type { ClassroomServer } from '../../src/server/transport/socket-classroom';

/** The fixed secret every test server signs and verifies with. */
export const TEST_JWT_SECRET = 'test-secret-for-the-classroom-suite-0123456789';

/** A raw client: untyped on purpose, so tests can send whatever a hostile client would. */
export type TestSocket = Socket;

export interface TestServer {
  url: string;
  app: FastifyInstance;
  io: ClassroomServer;
  tokens: TokenService;
  store: ClassStore;
  classes: ClassDirectory;
  /** A join token signed with the server's secret. */
  mint(role: Role, sessionId: string, name?: string, userId?: string): Promise<string>;
  /** A connected client; rejects with the connect_error when the handshake is refused. */
  connect(token?: string | null): Promise<TestSocket>;
  /** The connect_error of a handshake that must be refused (fails the test if it connects). */
  connectError(auth: Record<string, unknown> | undefined): Promise<Error & { data?: { code: string; message: string } }>;
  close(): Promise<void>;
  /** The graceful stop the composition root runs on SIGTERM (clients stay connected until it closes them). */
  shutdown(): Promise<void>;
}

export interface TestServerOptions {
  iceServers?: unknown[];
  now?: () => number;
  /** The chat store the app gets (in memory by default): tests pass a real database or one that fails on purpose. */
  chat?: ChatStore;
  /** The class directory (in memory by default). */
  classes?: ClassDirectory;
  /** Where class state lives (in memory by default): tests wrap it to hold a command in flight. */
  store?: ClassStore;
  rates?: AppOptions['rates'];
  grace?: AppOptions['grace'];
  adminToken?: string;
  /** A media server for large classes (a real Janus, or a stand-in). */
  janus?: AppOptions['janus'];
  sfuThreshold?: number;
  /** A built web app to serve (none by default). */
  webDist?: string;
}

let userCounter = 0;
const nextUserId = (role: Role) => `${role}-${++userCounter}`;

/**
 * Builds and starts the real app (in-memory store and directory, silent logger, fixed secret) on
 * an ephemeral port, in the style of fastify/demo's `build(t)`: when called inside a test or a
 * beforeEach, the server and every client it handed out are closed when that test finishes.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const logger = pino({ level: 'silent' });
  const tokens = createTokenService(TEST_JWT_SECRET);
  const store = options.store ?? createMemoryClassStore();
  const classes = options.classes ?? createMemoryClassDirectory();
  const { app, io, shutdown } = await buildApp({
    logger,
    tokens,
    store,
    classes,
    chat: options.chat ?? createMemoryChatStore(),
    iceServers: options.iceServers ?? [],
    now: options.now,
    rates: options.rates,
    grace: options.grace,
    adminToken: options.adminToken,
    janus: options.janus,
    sfuThreshold: options.sfuThreshold,
    webDist: options.webDist,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const clients = new Set<Socket>();
  const open = (auth: Record<string, unknown> | undefined) => {
    const socket = ioClient(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth,
    });
    clients.add(socket);
    return socket;
  };

  const mint: TestServer['mint'] = (role, sessionId, name, userId) =>
    tokens.signJoin({ role, sessionId, name: name ?? `A ${role}`, userId: userId ?? nextUserId(role) });

  const connect: TestServer['connect'] = (token) =>
    new Promise((resolve, reject) => {
      const socket = open(token === undefined || token === null ? {} : { token });
      socket.once('connect', () => {
        socket.off('connect_error');
        resolve(socket);
      });
      socket.once('connect_error', (err) => {
        socket.off('connect');
        reject(err);
      });
    });

  const connectError: TestServer['connectError'] = (auth) =>
    new Promise((resolve, reject) => {
      const socket = open(auth);
      socket.once('connect', () => reject(new Error('the handshake was accepted but should have been refused')));
      socket.once('connect_error', (err) => resolve(err as Error & { data?: { code: string; message: string } }));
    });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const socket of clients) {
        socket.removeAllListeners();
        socket.disconnect();
      }
      clients.clear();
      await app.close();
    })();
    return closing;
  };

  try {
    onTestFinished(() => close());
  } catch {
    // Not inside a test (e.g. beforeAll): the caller closes it.
  }
  return { url, app, io, tokens, store, classes, mint, connect, connectError, close, shutdown };
}

/** A token signed by hand: another secret (forged), a past expiry, or claims of our choosing. */
export async function signRaw(
  claims: Record<string, unknown>,
  { secret = TEST_JWT_SECRET, expiresIn = '1h', subject }: { secret?: string; expiresIn?: string; subject?: string } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn);
  if (subject) jwt.setSubject(subject);
  return jwt.sign(new TextEncoder().encode(secret));
}

type AckOf<E extends string> = E extends keyof ClientAcks ? Ack<ClientAcks[E]> : Ack<Record<string, unknown>>;

/**
 * Emits an event and resolves with its ack (2 s timeout). Pass no payload to emit the event with
 * only the ack callback, as a client that sends nothing would.
 */
export function emitAck<E extends string>(socket: TestSocket, event: E, ...payload: unknown[]): Promise<AckOf<E>> {
  return socket.timeout(2000).emitWithAck(event, ...payload) as Promise<AckOf<E>>;
}

/** Asserts a successful ack and narrows it. */
export function expectOk<T extends object>(ack: Ack<T>): AckOk<T> {
  expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
  return ack as AckOk<T>;
}

/** Asserts a refused ack with the given wire code. */
export function expectFail(ack: Ack<object>, code: ErrorCode): AckFail {
  expect(ack).toEqual({ ok: false, error: { code, message: expect.any(String) } });
  return ack as AckFail;
}

/** The next `name` event on the socket (optionally the next one that matches), or a timeout error. */
export function nextEvent<E extends ServerEventName>(
  socket: TestSocket,
  name: E,
  { timeout = 2000, where }: { timeout?: number; where?: (payload: ServerEventPayload<E>) => boolean } = {},
): Promise<ServerEventPayload<E>> {
  const event: string = name;
  return new Promise((resolve, reject) => {
    const onEvent = (payload: ServerEventPayload<E>) => {
      if (where && !where(payload)) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`no "${event}" event within ${timeout} ms`));
    }, timeout);
    socket.on(event, onEvent);
  });
}

/** Records every `name` event from now on. */
export function record<E extends ServerEventName>(socket: TestSocket, name: E): ServerEventPayload<E>[] {
  const seen: ServerEventPayload<E>[] = [];
  const event: string = name;
  socket.on(event, (payload: ServerEventPayload<E>) => seen.push(payload));
  return seen;
}

/**
 * Waits long enough for stray events to arrive. Used after a refused command, with a round trip on
 * the same socket first, so that anything the server would have sent has had time to land.
 */
export async function settle(...sockets: TestSocket[]): Promise<void> {
  await Promise.all(sockets.map((s) => emitAck(s, 'get-session-users', { sessionId: '-' }).catch(() => undefined)));
  await new Promise((r) => setTimeout(r, 50));
}

export interface Member {
  socket: TestSocket;
  self: Participant;
  token: string;
  /** The chat's line about this join, from the ack (classmates get it with `user-joined`). */
  note?: ChatMessage;
}

/** What classmates get as `user-left` when this member left (not removed): the socket and the chat's line. */
export const leftWithLine = (m: Member) => ({
  socketId: m.self.socketId,
  note: expect.objectContaining({ type: 'system', text: `${m.self.name} left the class`, userId: m.self.userId }),
});

/** What classmates get as `user-joined` when this member joined: the participant and the join's line. */
export const announced = (m: Member) => ({ ...m.self, note: m.note });

/** Mints a token, connects and joins the class; resolves once the join is acknowledged. */
export async function joinAs(
  server: TestServer,
  role: Role,
  sessionId: string,
  {
    name,
    userId,
    isAudioOn,
    isVideoOn,
    tokenFor = sessionId,
  }: {
    name?: string;
    userId?: string;
    isAudioOn?: boolean;
    isVideoOn?: boolean;
    /** The class the token admits to, when not the one being joined (e.g. "*" for an admin). */
    tokenFor?: string;
  } = {},
): Promise<Member> {
  const token = await server.mint(role, tokenFor, name, userId);
  const socket = await server.connect(token);
  const ack = expectOk(await emitAck(socket, 'join-session', { sessionId, isAudioOn, isVideoOn }));
  return { socket, self: ack.self, token, note: ack.note };
}

/**
 * What `who` sees of the class (everyone but itself), through the public event: the ack's `users`,
 * checked to be the same as the `existing-users` event the caller gets.
 */
export async function rosterOf(who: TestSocket, sessionId: string): Promise<Participant[]> {
  const event = nextEvent(who, 'existing-users');
  const { users } = expectOk(await emitAck(who, 'get-session-users', { sessionId }));
  expect((await event).users).toEqual(users);
  return users;
}
