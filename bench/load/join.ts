/**
 * Load generator: join latency. Two of these processes take part in a measurement. The members'
 * one fills `classes` classes with `perClass - 1` members each (all connected at once) and holds
 * them; the probes' one, which holds nothing else, has one more student per class join again and
 * again: `join-session`, then `get-session-users`, until `existing-users` arrives; then
 * `leave-session`. Apart, so the members' share of every join's broadcasts (a real classmate's
 * browser handles its own) does not delay the clock of the probes. Works the same against the
 * classroom and the floor (which ignores auth and answers with as many users as `floorUsers`).
 */
import { serve } from './harness';
import { closeAll, connect, emitAck, joinMany, mapLimit, mint, nextEvent, onSchedule, type Role, sleep } from './client';

export interface JoinConfig {
  /** One URL per node; members are spread over them. */
  urls: string[];
  secret: string;
  prefix: string;
  classes: number;
  /** Participants per class, the probing one included. */
  perClass: number;
  durationMs: number;
  /** Each class's probe joins once per interval (3 session events each time: under its 5/s bucket). */
  intervalMs: number;
  /** Joins slower than this are noted with when they started. */
  slowMs?: number;
}

export interface FillResult {
  background: number;
  failedJoins: number;
  firstError?: string;
  fillMs: number;
}

export interface ProbeResult {
  samples: number[];
  probeErrors: number;
  /** When (ms into the probing) each join slower than `slowMs` started: clustered means a stall somewhere. */
  slowAt?: number[];
}

export type JoinResult = FillResult & ProbeResult;

const sessionIdsOf = ({ prefix, classes }: JoinConfig) => Array.from({ length: classes }, (_, c) => `${prefix}-${c}`);
const urlOf = (urls: string[], i: number) => urls[i % urls.length];

/** The members' process: joins everyone but the probes, and holds them until `release`. */
async function fill(config: JoinConfig): Promise<FillResult> {
  const { urls, secret, perClass } = config;
  const plan: Array<{ role: Role; sessionId: string }> = [];
  for (const sessionId of sessionIdsOf(config)) {
    for (let m = 0; m < perClass - 1; m++) plan.push({ role: m === 0 ? 'tutor' : 'student', sessionId });
  }
  const filled = await joinMany((i) => urlOf(urls, i), secret, plan, 100);
  return { background: plan.length - filled.failed, failedJoins: filled.failed, firstError: filled.firstError, fillMs: Math.round(filled.ms) };
}

async function release(): Promise<void> {
  closeAll();
  await sleep(100);
}

/** The probes' process: one extra student per class, joining and leaving for `durationMs`. */
async function probe(config: JoinConfig): Promise<ProbeResult> {
  const { urls, secret, perClass, durationMs, intervalMs, slowMs = 10 } = config;
  const sessionIds = sessionIdsOf(config);
  const probes = await mapLimit(sessionIds, 50, async (sessionId, c) =>
    connect(urlOf(urls, c + perClass - 1), await mint(secret, 'student', sessionId)),
  );
  await sleep(300);

  const samples: number[] = [];
  const slowAt: number[] = [];
  let probeErrors = 0;
  const begin = performance.now();
  const end = begin + durationMs;
  await Promise.all(
    probes.map(async (probe, c) => {
      const sessionId = sessionIds[c];
      await onSchedule(c, probes.length, { begin, end, intervalMs }, async () => {
        const started = performance.now();
        const joined = await emitAck(probe, 'join-session', { sessionId });
        const users = nextEvent<{ users: unknown[] }>(probe, 'existing-users', 15_000);
        const listed = joined.ok ? await emitAck(probe, 'get-session-users', { sessionId, floorUsers: perClass - 1 }) : joined;
        const event = await users.catch(() => null);
        const took = performance.now() - started;
        if (joined.ok && listed.ok && event) samples.push(Number(took.toFixed(3)));
        else probeErrors += 1;
        if (took > slowMs && slowAt.length < 1000) slowAt.push(Math.round(started - begin));
        await emitAck(probe, 'leave-session', {});
      });
    }),
  );
  closeAll();
  await sleep(100);
  return { samples, probeErrors, slowAt };
}

serve({ fill, probe, release });
