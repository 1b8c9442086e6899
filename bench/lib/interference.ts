import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from './stats';

/**
 * Other people's work on a shared machine: how much of its CPU went to processes that are not the
 * bench or what it started (its process tree, browsers included), read from /proc. The bench repeats
 * a measurement that others disturbed, and says so in the report. On a system without /proc it
 * reports nothing (0).
 */

interface Snapshot {
  /** All CPU time of the machine so far (every core), in clock ticks. */
  total: number;
  /** CPU ticks per process not in the bench's tree. */
  others: Map<number, number>;
}

function machineTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  return line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .reduce((a, v) => a + Number(v), 0);
}

function snapshot(): Snapshot | null {
  try {
    const procs = new Map<number, { ppid: number; cpu: number }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        procs.set(Number(name), { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]) });
      } catch {
        // Gone while we looked.
      }
    }
    const ours = (pid: number): boolean => {
      for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
        if (p === process.pid) return true;
        p = procs.get(p)?.ppid ?? 0;
      }
      return false;
    };
    const others = new Map<number, number>();
    for (const [pid, { cpu }] of procs) if (!ours(pid)) others.set(pid, cpu);
    return { total: machineTicks(), others };
  } catch {
    return null;
  }
}

function share(a: Snapshot | null, b: Snapshot | null): number {
  if (!a || !b || b.total <= a.total) return 0;
  let used = 0;
  // A process that started during the window counts from zero.
  for (const [pid, cpu] of b.others) used += cpu - (a.others.get(pid) ?? 0);
  return Math.max(0, used / (b.total - a.total));
}

/** Starts watching; the function it returns gives the share (0–1 of the whole machine) others used since. */
export function watchOthers(): () => number {
  const start = snapshot();
  return () => share(start, snapshot());
}

/** Above this share of the machine (half a core of two), a measurement counts as disturbed. */
export const disturbedAbove = 0.25;

/** Waits (at most `maxWaitMs`) until others use less than `disturbedAbove` over a second; returns their last share. */
export async function waitForQuiet(maxWaitMs: number, onWait?: (share: number) => void): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let told = false;
  for (;;) {
    const stop = watchOthers();
    await sleep(1000);
    const s = stop();
    if (s < disturbedAbove || Date.now() >= deadline) return s;
    if (!told) onWait?.(s);
    told = true;
  }
}
