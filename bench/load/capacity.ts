/**
 * Load generator worker: capacity. Holds many joined sockets (classes of `classSize`), each sending
 * one message every 10 s (raise-hand, then lower-hand: each goes to the whole class), grows on
 * command, and measures join latency with extra probing students on command.
 */
import type { Socket } from 'socket.io-client';
import { serve } from './harness';
import { connect, emitAck, joinMany, mapLimit, mint, nextEvent, onSchedule, type Role } from './client';

const held: Socket[] = [];
const timers = new Set<ReturnType<typeof setTimeout>>();
let messageSamples: number[] = [];
let messageErrors = 0;
let dropped = 0;

export interface GrowArgs {
  url: string;
  secret: string;
  prefix: string;
  /** Global index of the first new socket; class = index / classSize, the first of a class is its tutor. */
  start: number;
  count: number;
  classSize: number;
  messageEveryMs: number;
}

async function grow(args: GrowArgs) {
  const plan: Array<{ role: Role; sessionId: string }> = [];
  for (let g = args.start; g < args.start + args.count; g++) {
    plan.push({ role: g % args.classSize === 0 ? 'tutor' : 'student', sessionId: `${args.prefix}-${Math.floor(g / args.classSize)}` });
  }
  const filled = await joinMany(args.url, args.secret, plan, 100);
  for (const member of filled.members) {
    if (!member) continue;
    const socket = member.socket;
    held.push(socket);
    socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') dropped += 1;
    });
    let up = false;
    const send = async () => {
      up = !up;
      const t0 = performance.now();
      const ack = await emitAck(socket, up ? 'raise-hand' : 'lower-hand', {}, 10_000);
      if (ack.ok) messageSamples.push(performance.now() - t0);
      else messageErrors += 1;
    };
    const first = setTimeout(() => {
      timers.delete(first);
      void send();
      const every = setInterval(() => void send(), args.messageEveryMs);
      timers.add(every);
    }, Math.random() * args.messageEveryMs);
    timers.add(first);
  }
  return { held: held.length, failed: filled.failed, firstError: filled.firstError, ms: Math.round(filled.ms) };
}

export interface ProbeArgs {
  url: string;
  secret: string;
  sessionIds: string[];
  /** Members already in each probed class (for the floor's `floorUsers`; the classroom ignores it). */
  classSize: number;
  durationMs: number;
  intervalMs: number;
}

/** Join latency now: one extra student per listed class joins, lists, leaves, once per interval. */
async function probe(args: ProbeArgs) {
  const probes = await mapLimit(args.sessionIds, 50, async (sessionId) => connect(args.url, await mint(args.secret, 'student', sessionId)));
  const samples: number[] = [];
  const slow: Array<{ at: number; total: number; join: number }> = [];
  let errors = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  const end = begin + args.durationMs;
  await Promise.all(
    probes.map(async (socket, c) => {
      const sessionId = args.sessionIds[c];
      await onSchedule(c, probes.length, { begin, end, intervalMs: args.intervalMs }, async () => {
        const t0 = performance.now();
        const joined = await emitAck(socket, 'join-session', { sessionId });
        const t1 = performance.now();
        const users = nextEvent(socket, 'existing-users', 15_000);
        const listed = joined.ok ? await emitAck(socket, 'get-session-users', { sessionId, floorUsers: args.classSize }) : joined;
        const event = await users.catch(() => null);
        const total = performance.now() - t0;
        if (joined.ok && listed.ok && event) samples.push(Number(total.toFixed(3)));
        else {
          errors += 1;
          firstError ??= JSON.stringify(joined.ok ? (listed.ok ? 'no existing-users' : listed.error) : joined.error);
        }
        if (total > 50) slow.push({ at: Math.round(Date.now()), total: Math.round(total), join: Math.round(t1 - t0) });
        await emitAck(socket, 'leave-session', {});
      });
    }),
  );
  for (const socket of probes) socket.disconnect();
  return { samples, errors, slow, firstError };
}

/** Message acks and drops since the last call. */
function stats() {
  const out = { held: held.length, connected: held.filter((s) => s.connected).length, dropped, messageSamples, messageErrors };
  messageSamples = [];
  messageErrors = 0;
  return out;
}

function close() {
  for (const t of timers) clearTimeout(t);
  timers.clear();
  for (const socket of held) {
    socket.removeAllListeners();
    socket.disconnect();
  }
  held.length = 0;
  return {};
}

serve({ grow, probe, stats, close });
