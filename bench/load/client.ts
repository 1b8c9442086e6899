/** Socket.IO clients as the browser makes them (websocket only), for the load generators. */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { io, type Socket } from 'socket.io-client';
import { onCleanup } from './harness';

export type Role = 'tutor' | 'student' | 'admin';

/** The generators only ever talk to this machine. */
export function assertLocal(url: string): void {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`the bench only loads 127.0.0.1, not ${url}`);
}

const run = randomBytes(3).toString('hex');
let users = 0;

/** A join token for one person, as an integrator would mint it (HS256 with the server's JWT_SECRET). */
export function mintFor(secret: string, person: { sessionId: string; role: Role; userId: string; name: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ name: person.name, role: person.role, sessionId: person.sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(person.userId)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + 4 * 3600)
    .sign(new TextEncoder().encode(secret));
}

/** A join token for the next numbered bench user of `role`. */
export function mint(secret: string, role: Role, sessionId: string): Promise<string> {
  const n = ++users;
  return mintFor(secret, { sessionId, role, userId: `bench-${run}-${role}-${n}`, name: `${role === 'tutor' ? 'Tutor' : 'Student'} ${n}` });
}

const open = new Set<Socket>();
onCleanup(() => closeAll());

/** A connected websocket-only client; rejects with the connect_error. */
export function connect(url: string, token: string, timeoutMs = 30_000): Promise<Socket> {
  assertLocal(url);
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
    auth: { token },
  });
  open.add(socket);
  socket.on('disconnect', () => open.delete(socket));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      socket.off('connect');
      socket.close();
      open.delete(socket);
      reject(err);
    });
  });
}

/** Closes every client politely ("client namespace disconnect": the server lets them leave at once). */
export function closeAll(): void {
  for (const socket of open) {
    socket.removeAllListeners();
    socket.disconnect();
  }
  open.clear();
}

export function openCount(): number {
  return open.size;
}

export interface AckResult {
  ok: boolean;
  error?: { code: string; message: string };
  [key: string]: unknown;
}

/** Emits an event and resolves with its ack (or `{ ok: false, error: timeout }`). */
export async function emitAck(socket: Socket, event: string, payload: unknown, timeoutMs = 15_000): Promise<AckResult> {
  try {
    return (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as AckResult;
  } catch {
    return { ok: false, error: { code: 'timeout', message: `no ack for ${event} within ${timeoutMs} ms` } };
  }
}

/** The next `event` on the socket for which `where` holds, or a rejection after `timeoutMs`. */
export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 15_000, where?: (p: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (payload: T) => {
      if (where && !where(payload)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, on);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, on);
  });
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

export interface Member {
  socket: Socket;
  role: Role;
  sessionId: string;
}

/** Mints, connects and joins; throws when any step is refused. */
export async function joinClass(url: string, secret: string, role: Role, sessionId: string, timeoutMs = 30_000): Promise<Member> {
  const socket = await connect(url, await mint(secret, role, sessionId), timeoutMs);
  const ack = await emitAck(socket, 'join-session', { sessionId }, timeoutMs);
  if (!ack.ok) {
    socket.disconnect();
    throw new Error(`join-session refused: ${JSON.stringify(ack.error)}`);
  }
  return { socket, role, sessionId };
}

/** Joins many members, `concurrency` at a time; counts the ones that failed instead of throwing. */
export async function joinMany(
  url: string | ((i: number) => string),
  secret: string,
  plan: Array<{ role: Role; sessionId: string }>,
  concurrency = 100,
): Promise<{ members: Array<Member | null>; failed: number; firstError?: string; ms: number }> {
  const t0 = performance.now();
  let failed = 0;
  let firstError: string | undefined;
  const members = await mapLimit(plan, concurrency, async ({ role, sessionId }, i) => {
    try {
      return await joinClass(typeof url === 'string' ? url : url(i), secret, role, sessionId);
    } catch (err) {
      failed += 1;
      firstError ??= (err as Error).message;
      return null;
    }
  });
  return { members, failed, firstError, ms: performance.now() - t0 };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs `turn` for class `c` of `n` on a fixed schedule: first at `c / n` of the interval after
 * `begin`, then once every interval until `end`, so the classes stay spread evenly over the
 * interval. (Waking each class when its previous turn ended instead had every probe join at the
 * end of the window at once: a burst that made the p99.)
 */
export async function onSchedule(c: number, n: number, { begin, end, intervalMs }: { begin: number; end: number; intervalMs: number }, turn: () => Promise<void>): Promise<void> {
  for (let at = begin + (c / n) * intervalMs; at < end; at += intervalMs) {
    const due = at - performance.now();
    if (due > 0) await sleep(due);
    await turn();
  }
}
