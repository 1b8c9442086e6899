import { randomBytes } from 'node:crypto';
import type { FanoutConfig, FanoutResult } from '../load/fanout';
import { type Generator, type ServerHandle, settleServers, startGenerator } from '../lib/processes';
import { startClassroom, startFloor } from '../lib/servers';
import { type Latency, latency, sleep } from '../lib/stats';
import { type BenchContext, latencyRow, quietly, type Row, type Scenario } from './types';

export interface FanoutMeasurement {
  latency: Latency;
  result: FanoutResult;
  serverCpu: number;
}

export const fanoutShape = (ctx: BenchContext) => ({ classes: ctx.pick(3, 10), classmates: 30 });

/** The fan-out generator: a process of its own, used for every measurement of a scenario. */
export const fanoutGenerator = (ctx: BenchContext, label: string) =>
  startGenerator(`fanout-${label}`, 'bench/load/fanout.ts', { deadlineMs: ctx.pick(110_000, 20 * 60_000) });

export function measureFanout(ctx: BenchContext, generator: Generator, servers: ServerHandle[], label: string): Promise<FanoutMeasurement> {
  return quietly(ctx, `fan-out ${label}`, () => measureFanoutOnce(ctx, generator, servers, label));
}

async function measureFanoutOnce(ctx: BenchContext, generator: Generator, servers: ServerHandle[], label: string): Promise<FanoutMeasurement> {
  const durationMs = ctx.pick(1000, 10_000);
  try {
    await settleServers(ctx.pick(3000, 15_000));
    await Promise.all(servers.map((s) => s.stats({ reset: true })));
    const config: FanoutConfig = {
      urls: servers.map((s) => s.url),
      secret: ctx.secret,
      prefix: `bench-fan-${randomBytes(3).toString('hex')}`,
      ...fanoutShape(ctx),
      durationMs,
    };
    const result = await generator.call<FanoutResult>('run', config, durationMs + 110_000);
    const stats = await Promise.all(servers.map((s) => s.stats({ reset: true })));
    if (result.failedJoins) ctx.log(`  ${label}: ${result.failedJoins} joins failed (${result.firstError})`);
    if (result.lost) ctx.log(`  ${label}: ${result.lost} raised hands not seen by every classmate within 5 s`);
    return { latency: latency(result.samples), result, serverCpu: stats.reduce((a, s) => a + s.cpuMs / s.wallMs, 0) };
  } finally {
    await sleep(ctx.pick(100, 300));
  }
}

export const fanoutName = (ctx: BenchContext, where: string) => {
  const { classes, classmates } = fanoutShape(ctx);
  return `raised hand → last of ${classmates} classmates, ${classes} classes of ${classmates + 1} side by side${where}`;
};

export const fanout: Scenario = {
  id: 'fanout',
  title: '2. Fan-out (a raised hand until the last of 30 classmates has participant-updated)',
  async run(ctx) {
    const [server, floor, generator] = await Promise.all([startClassroom(ctx, { name: 'classroom' }), startFloor(ctx), fanoutGenerator(ctx, 'one-node')]);
    try {
      const runs: FanoutMeasurement[] = [];
      const floors: FanoutMeasurement[] = [];
      for (let r = 0; r < ctx.runs; r++) {
        const order = r % 2 === 0 ? (['floor', 'classroom'] as const) : (['classroom', 'floor'] as const);
        for (const which of order) {
          const m = await measureFanout(ctx, generator, [which === 'floor' ? floor : server], which);
          (which === 'floor' ? floors : runs).push(m);
          ctx.log(
            `  run ${r + 1} ${which.padEnd(9)}: p50 ${m.latency.p50.toFixed(2)} ms, p99 ${m.latency.p99.toFixed(2)} ms (n=${m.latency.n}), server CPU ${(m.serverCpu * 100).toFixed(0)}%`,
          );
        }
      }
      const row: Row = latencyRow({
        id: 'fanout-1',
        section: '2. Fan-out, one node',
        name: fanoutName(ctx, ''),
        runs: runs.map((m) => m.latency),
        floorName: 'bare Socket.IO room broadcast',
        floorRuns: floors.map((m) => m.latency),
        targets: [{ text: 'p99 < 15 ms', metric: 'p99', op: '<', limit: 15 }],
        notes: [`${runs[0]?.latency.n ?? 0} raised hands per run`],
      });
      return [row];
    } finally {
      await Promise.all([server.stop(), floor.stop(), generator.stop()]);
    }
  },
};
