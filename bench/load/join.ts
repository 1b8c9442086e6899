/**
 * Load generator: join latency. Fills `classes` classes with `perClass - 1` members each (all
 * connected at once), then one more student per class joins again and again: `join-session`, then
 * `get-session-users`, until `existing-users` arrives; then `leave-session`. Works the same against
 * the classroom and the floor (which ignores auth and answers with as many users as `floorUsers`).
 */
import { serve } from './harness';
import { closeAll, connect, emitAck, joinMany, mapLimit, mint, nextEvent, type Role, sleep } from './client';

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
}

export interface JoinResult {
  samples: number[];
  background: number;
  failedJoins: number;
  firstError?: string;
  probeErrors: number;
  fillMs: number;
}

async function run(config: JoinConfig): Promise<JoinResult> {
  const { urls, secret, prefix, classes, perClass, durationMs, intervalMs } = config;
  const urlOf = (i: number) => urls[i % urls.length];
  const sessionIds = Array.from({ length: classes }, (_, c) => `${prefix}-${c}`);
  const plan: Array<{ role: Role; sessionId: string }> = [];
  for (const sessionId of sessionIds) {
    for (let m = 0; m < perClass - 1; m++) plan.push({ role: m === 0 ? 'tutor' : 'student', sessionId });
  }
  const filled = await joinMany(urlOf, secret, plan, 100);
  const probes = await mapLimit(sessionIds, 50, async (sessionId, c) =>
    connect(urlOf(c + perClass - 1), await mint(secret, 'student', sessionId)),
  );
  await sleep(300);

  const samples: number[] = [];
  let probeErrors = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    probes.map(async (probe, c) => {
      const sessionId = sessionIds[c];
      // Spread the classes over the interval so joins arrive evenly.
      await sleep((c / probes.length) * intervalMs);
      while (performance.now() < end) {
        const started = performance.now();
        const joined = await emitAck(probe, 'join-session', { sessionId });
        const users = nextEvent<{ users: unknown[] }>(probe, 'existing-users', 15_000);
        const listed = joined.ok ? await emitAck(probe, 'get-session-users', { sessionId, floorUsers: perClass - 1 }) : joined;
        const event = await users.catch(() => null);
        if (joined.ok && listed.ok && event) samples.push(Number((performance.now() - started).toFixed(3)));
        else probeErrors += 1;
        await emitAck(probe, 'leave-session', {});
        const next = Math.min(started + intervalMs, end) - performance.now();
        if (next > 0) await sleep(next);
      }
    }),
  );
  closeAll();
  await sleep(100);
  return {
    samples,
    background: plan.length - filled.failed,
    failedJoins: filled.failed,
    firstError: filled.firstError,
    probeErrors,
    fillMs: Math.round(filled.ms),
  };
}

serve({ run });
