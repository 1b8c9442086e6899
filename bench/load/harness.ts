/**
 * The generator side of the bench's IPC: a load generator is its own process, answers commands
 * from the bench, and always stops by itself: at its deadline (BENCH_DEADLINE_MS), and when the
 * bench goes away (the IPC channel closes), after running its cleanup.
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';

type Handler = (args: never) => Promise<unknown> | unknown;

// The generator's own event-loop delay: a busy client adds its delay to whatever it times.
const resolution = 10;
const loop = monitorEventLoopDelay({ resolution });
loop.enable();
const beyond = (ns: number) => Math.max(0, ns / 1e6 - resolution);

/** This process's event-loop delay since the last call (p99 and max, ms), then starts again. */
function loopDelay() {
  const out = { p99: beyond(loop.percentile(99)), max: beyond(loop.max) };
  loop.reset();
  return out;
}

const name = process.env.BENCH_GENERATOR_NAME ?? 'generator';
const cleanups: Array<() => Promise<void> | void> = [];

/** Runs before the generator exits (closing its sockets, its browser). */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

let exiting = false;
async function exit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  const hard = setTimeout(() => process.exit(code), 5000);
  hard.unref();
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // Exiting anyway.
    }
  }
  process.exit(code);
}

export function serve(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error(`${name} runs under the bench (bench/run.ts), not on its own`);
  const deadline = Number(process.env.BENCH_DEADLINE_MS ?? 600_000);
  setTimeout(() => {
    process.stderr.write(`${name}: deadline of ${deadline} ms reached, stopping\n`);
    void exit(3);
  }, deadline).unref();
  process.on('disconnect', () => void exit(0));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void exit(0));
  process.on('message', async (message: { id?: number; cmd?: string; args?: unknown }) => {
    if (message?.id === undefined || !message.cmd) return;
    const handler = message.cmd === 'loopDelay' ? loopDelay : handlers[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const result = await (handler as (a: unknown) => unknown)(message.args);
      process.send?.({ id: message.id, ok: true, result });
    } catch (err) {
      process.send?.({ id: message.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  });
  process.send({ type: 'ready' });
}
