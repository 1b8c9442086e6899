/**
 * Load generator: fan-out. `classes` classes of 1 tutor + `classmates` students; in each class, one
 * student at a time raises a hand, and the sample is the time until the last of the other
 * `classmates` members got the `participant-updated` that says so. Then the hand goes down (not
 * measured) and the next student's turn comes. Classes run side by side.
 */
import type { Socket } from 'socket.io-client';
import { serve } from './harness';
import { closeAll, emitAck, joinMany, type Role, sleep } from './client';

export interface FanoutConfig {
  urls: string[];
  secret: string;
  prefix: string;
  classes: number;
  /** Receivers per raised hand: the class is one more. */
  classmates: number;
  durationMs: number;
}

export interface FanoutResult {
  samples: number[];
  /** Raised hands whose updates did not all arrive within 5 s. */
  lost: number;
  failedJoins: number;
  firstError?: string;
  /** The same, for the hand going down (not a target; shown for symmetry). */
  lowerSamples: number[];
}

interface Round {
  raiser: string;
  up: boolean;
  pending: number;
  done: (at: number) => void;
}

async function run(config: FanoutConfig): Promise<FanoutResult> {
  const { urls, secret, prefix, classes, classmates, durationMs } = config;
  const perClass = classmates + 1;
  const plan: Array<{ role: Role; sessionId: string }> = [];
  for (let c = 0; c < classes; c++) {
    for (let m = 0; m < perClass; m++) plan.push({ role: m === 0 ? 'tutor' : 'student', sessionId: `${prefix}-${c}` });
  }
  // Members alternate between nodes, so with two nodes every class has half its members on each.
  const filled = await joinMany((i) => urls[i % urls.length], secret, plan, 100);
  const samples: number[] = [];
  const lowerSamples: number[] = [];
  let lost = 0;
  await sleep(300);
  const end = performance.now() + durationMs;

  await Promise.all(
    Array.from({ length: classes }, async (_, c) => {
      const members = filled.members.slice(c * perClass, (c + 1) * perClass).filter((m) => m !== null);
      if (members.length < perClass) return;
      const sockets: Socket[] = members.map((m) => m.socket);
      let round: Round | null = null;
      sockets.forEach((socket) => {
        socket.on('participant-updated', (p: { socketId: string; isHandRaised: boolean }) => {
          const r = round;
          if (!r || socket.id === r.raiser || p.socketId !== r.raiser || p.isHandRaised !== r.up) return;
          r.pending -= 1;
          if (r.pending === 0) r.done(performance.now());
        });
      });
      const turn = async (raiser: Socket, up: boolean): Promise<number | null> => {
        const arrived = new Promise<number>((resolve) => {
          round = { raiser: raiser.id ?? '', up, pending: sockets.length - 1, done: resolve };
        });
        const t0 = performance.now();
        const ack = emitAck(raiser, up ? 'raise-hand' : 'lower-hand', {}, 5000);
        const last = await Promise.race([arrived, sleep(5000).then(() => null)]);
        await ack;
        round = null;
        return last === null ? null : last - t0;
      };
      // Start the classes at different moments, then take turns: every student in order.
      await sleep(Math.random() * 200);
      let next = 1;
      while (performance.now() < end) {
        const raiser = sockets[next];
        next = next + 1 < sockets.length ? next + 1 : 1;
        const up = await turn(raiser, true);
        if (up === null) lost += 1;
        else samples.push(Number(up.toFixed(3)));
        const down = await turn(raiser, false);
        if (down !== null) lowerSamples.push(Number(down.toFixed(3)));
        await sleep(20 + Math.random() * 40);
      }
    }),
  );
  closeAll();
  await sleep(300);
  return { samples, lost, failedJoins: filled.failed, firstError: filled.firstError, lowerSamples };
}

serve({ run });
