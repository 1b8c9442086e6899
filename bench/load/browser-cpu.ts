/**
 * The CPU a whole Chromium used (browser, renderers, GPU, utilities such as audio and network),
 * read through the DevTools protocol, so a driver can say how much of the machine a class took.
 */
import type { Browser } from '@playwright/test';

/** One reading: seconds of CPU so far, per live process of the browser. */
export interface CpuReading {
  processes: Array<{ id: number; type: string; cpuTime: number }>;
}

/** CPU used between two readings, in seconds: in all and by kind of process. */
export interface CpuUse {
  total: number;
  byType: Record<string, number>;
}

/** Reads every process's CPU so far; null when the browser cannot say (not Chromium, or CDP refused). */
export async function readBrowserCpu(b: Browser): Promise<CpuReading | null> {
  try {
    const cdp = await b.newBrowserCDPSession();
    try {
      const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: CpuReading['processes'] };
      return { processes: info.processInfo.map(({ id, type, cpuTime }) => ({ id, type, cpuTime })) };
    } finally {
      await cdp.detach().catch(() => undefined);
    }
  } catch {
    return null;
  }
}

/**
 * What was used from `before` to `after`. A process that started in between counts from zero (a
 * page opened in the window: its renderer is new); one that ended in between is lost, so readings
 * should bracket a window in which nothing closes.
 */
export function cpuBetween(before: CpuReading, after: CpuReading): CpuUse {
  const earlier = new Map(before.processes.map((p) => [p.id, p.cpuTime]));
  const byType: Record<string, number> = {};
  let total = 0;
  for (const p of after.processes) {
    const used = Math.max(0, p.cpuTime - (earlier.get(p.id) ?? 0));
    byType[p.type] = (byType[p.type] ?? 0) + used;
    total += used;
  }
  return { total, byType };
}

/** The same use as a share of `seconds` of wall time: 1.0 = one core busy all along. */
export function coresOver(use: CpuUse, seconds: number): CpuUse {
  const byType: Record<string, number> = {};
  for (const [type, used] of Object.entries(use.byType)) byType[type] = used / seconds;
  return { total: use.total / seconds, byType };
}
