/**
 * Load generator: chat. Joins `sockets` members in classes of `classSize`, then, from `startAt`
 * (a wall-clock time shared by every generator of the measurement) sends `chat-message`s:
 * - `steady`: each socket at `rate / sockets` per second, evenly spread (ack latency at a given load);
 * - `max`: each socket as fast as the server's per-socket chat bucket allows (10 at once, 2 per
 *   second; mirrored here so nothing is refused), at most `inFlight` unacknowledged at a time.
 * Counts the acknowledged (stored) messages inside the window [startAt + warmup, + duration].
 */
import type { Socket } from 'socket.io-client';
import { serve } from './harness';
import { closeAll, emitAck, joinMany, type Role, sleep } from './client';

export interface ChatConfig {
  urls: string[];
  secret: string;
  prefix: string;
  sockets: number;
  /** Global index of this generator's first socket (classes are numbered across generators). */
  start: number;
  classSize: number;
  mode: 'steady' | 'max';
  /** steady: messages per second for this generator's sockets together. */
  rate: number;
  /** Date.now() at which sending starts. */
  startAt: number;
  warmupMs: number;
  durationMs: number;
  inFlight: number;
}

export interface ChatResult {
  acked: number;
  samples: number[];
  errors: number;
  firstError?: string;
  sent: number;
  /** Messages sent and not yet acknowledged when the window closed: a backlog means the server was the limit. */
  pendingAtEnd: number;
  failedJoins: number;
  joinError?: string;
}

/** The classroom's chat bucket, less a margin for the two clocks. */
const bucket = { burst: 9, perSecond: 1.9 };

async function prepare(config: ChatConfig) {
  const plan: Array<{ role: Role; sessionId: string }> = [];
  for (let g = config.start; g < config.start + config.sockets; g++) {
    plan.push({ role: g % config.classSize === 0 ? 'tutor' : 'student', sessionId: `${config.prefix}-${Math.floor(g / config.classSize)}` });
  }
  return joinMany((i) => config.urls[i % config.urls.length], config.secret, plan, 100);
}

let prepared: { sockets: Socket[]; failed: number; firstError?: string } | null = null;

async function join(config: ChatConfig) {
  const filled = await prepare(config);
  prepared = { sockets: filled.members.filter((m) => m !== null).map((m) => m.socket), failed: filled.failed, firstError: filled.firstError };
  return { joined: prepared.sockets.length, failed: filled.failed, ms: Math.round(filled.ms) };
}

async function run(config: ChatConfig): Promise<ChatResult> {
  if (!prepared) throw new Error('join first');
  const sockets = prepared.sockets.slice(0, config.sockets);
  const windowStart = config.startAt + config.warmupMs;
  const windowEnd = windowStart + config.durationMs;
  const samples: number[] = [];
  let acked = 0;
  let errors = 0;
  let sent = 0;
  let pending = 0;
  let pendingAtEnd = 0;
  let firstError: string | undefined;
  const send = async (socket: Socket, n: number) => {
    const t0 = performance.now();
    sent += 1;
    pending += 1;
    const ack = await emitAck(socket, 'chat-message', { text: `bench message ${n} from ${socket.id}` }, 30_000);
    pending -= 1;
    const at = Date.now();
    if (!ack.ok) {
      errors += 1;
      firstError ??= JSON.stringify(ack.error);
      return;
    }
    if (at >= windowStart && at <= windowEnd) {
      acked += 1;
      samples.push(Number((performance.now() - t0).toFixed(3)));
    }
  };
  await sleep(Math.max(0, config.startAt - Date.now()));
  const snapshot = setTimeout(() => (pendingAtEnd = pending), Math.max(0, windowEnd - Date.now()));
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };
  if (config.mode === 'steady') {
    const period = (1000 * sockets.length) / config.rate;
    await Promise.all(
      sockets.map(async (socket, i) => {
        await sleep((i / sockets.length) * period);
        let n = 0;
        let next = performance.now();
        while (Date.now() < windowEnd) {
          track(send(socket, n++));
          next += period;
          const wait = next - performance.now();
          if (wait > 0) await sleep(wait);
        }
      }),
    );
  } else {
    await Promise.all(
      sockets.map(async (socket) => {
        let tokens = bucket.burst;
        let at = performance.now();
        let n = 0;
        let inFlight = 0;
        let freed: (() => void) | null = null;
        while (Date.now() < windowEnd) {
          const now = performance.now();
          tokens = Math.min(bucket.burst, tokens + ((now - at) / 1000) * bucket.perSecond);
          at = now;
          if (tokens < 1) {
            await sleep(((1 - tokens) / bucket.perSecond) * 1000 + 1);
            continue;
          }
          if (inFlight >= config.inFlight) {
            await new Promise<void>((r) => (freed = r));
            continue;
          }
          tokens -= 1;
          inFlight += 1;
          track(
            send(socket, n++).finally(() => {
              inFlight -= 1;
              const f = freed;
              freed = null;
              f?.();
            }),
          );
        }
      }),
    );
  }
  await Promise.all([...inFlight]);
  clearTimeout(snapshot);
  return { acked, samples, errors, firstError, sent, pendingAtEnd, failedJoins: prepared.failed, joinError: prepared.firstError };
}

function close() {
  closeAll();
  prepared = null;
  return {};
}

serve({ join, run, close });
