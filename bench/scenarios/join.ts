import { randomBytes } from 'node:crypto';
import type { FillResult, JoinConfig, JoinResult, ProbeResult } from '../load/join';
import { busyBetween, cpuTimes } from '../lib/machine';
import { type Generator, type ServerHandle, settleServers, startGenerator } from '../lib/processes';
import { startClassroom, startFloor } from '../lib/servers';
import { type Latency, latency, sleep } from '../lib/stats';
import { type BenchContext, latencyRow, quietly, type Row, type Scenario, type Target } from './types';

/** A join slower than this is noted with when it started, to tell stalls from spread-out delays. */
const slowMs = 10;

export interface JoinShape {
  classes: number;
  perClass: number;
}

export interface JoinMeasurement {
  latency: Latency;
  result: JoinResult;
  /** Server CPU used per second of the measurement, summed over the nodes (1.0 = one core). */
  serverCpu: number;
  eldP99: number;
  /** The whole machine's CPU (every core, clients included) during the measurement, 0–1. */
  machineBusy: number;
  /** The longest garbage-collection pause in the servers, and their share of the time. */
  gcMaxMs: number;
  gcShare: number;
}

const joinDuration = (ctx: BenchContext) => ctx.pick(1000, 10_000);

/** The join generators: the members' process and the probes' process, used for every measurement of a scenario. */
export interface JoinGenerators {
  members: Generator;
  probes: Generator;
}

export async function joinGenerator(ctx: BenchContext, label: string): Promise<JoinGenerators> {
  const deadlineMs = ctx.pick(110_000, 20 * 60_000);
  const [members, probes] = await Promise.all([
    startGenerator(`join-${label}-members`, 'bench/load/join.ts', { deadlineMs, background: 19 }),
    startGenerator(`join-${label}-probes`, 'bench/load/join.ts', { deadlineMs }),
  ]);
  return { members, probes };
}

export const stopJoinGenerator = (g: JoinGenerators) => Promise.all([g.members.stop(), g.probes.stop()]);

/** One run of the join generators against `servers` (measured again if other processes disturbed it). */
export function measureJoin(
  ctx: BenchContext,
  generator: JoinGenerators,
  servers: ServerHandle[],
  shape: JoinShape,
  label: string,
): Promise<JoinMeasurement> {
  return quietly(ctx, `join ${label}`, () => measureJoinOnce(ctx, generator, servers, shape, label));
}

async function measureJoinOnce(...[ctx, generator, servers, shape, label]: Parameters<typeof measureJoin>): Promise<JoinMeasurement> {
  const durationMs = joinDuration(ctx);
  try {
    await settleServers(ctx.pick(3000, 15_000));
    const config: JoinConfig = {
      urls: servers.map((s) => s.url),
      secret: ctx.secret,
      prefix: `bench-join-${randomBytes(3).toString('hex')}`,
      classes: shape.classes,
      perClass: shape.perClass,
      durationMs,
      intervalMs: 1000,
      slowMs,
    };
    let result: JoinResult;
    let cpuBefore: ReturnType<typeof cpuTimes>;
    try {
      const filled = await generator.members.call<FillResult>('fill', config, 150_000);
      // The classroom is still telling every class about the joins just made (each one stored and
      // broadcast, thousands of messages): the measured joins are those of classes in session, after that.
      await settleServers(ctx.pick(3000, 15_000));
      await Promise.all(servers.map((s) => s.stats({ reset: true })));
      cpuBefore = cpuTimes();
      const probed = await generator.probes.call<ProbeResult>('probe', config, durationMs + 30_000);
      result = { ...filled, ...probed };
    } finally {
      await generator.members.call('release', {}, 10_000).catch(() => undefined);
    }
    const stats = await Promise.all(servers.map((s) => s.stats({ reset: true })));
    if (result.failedJoins) ctx.log(`  ${label}: ${result.failedJoins} background joins failed (${result.firstError})`);
    if (result.probeErrors) ctx.log(`  ${label}: ${result.probeErrors} probe joins failed`);
    const slow = result.slowAt ?? [];
    if (slow.length) {
      // Slow joins that started within the same 100 ms share a cause (a stall); spread out, each had its own.
      const windows = [...new Set(slow.map((at) => Math.floor(at / 100)))];
      const shown = windows.slice(0, 6).map((w) => `${(w / 10).toFixed(1)} s`).join(', ');
      ctx.log(`  ${label}: ${slow.length} joins over ${slowMs} ms, starting in ${windows.length} distinct 100 ms windows (${shown}${windows.length > 6 ? ', …' : ''} into the 10 s)`);
    }
    return {
      latency: latency(result.samples),
      result,
      serverCpu: stats.reduce((a, s) => a + s.cpuMs / s.wallMs, 0),
      eldP99: Math.max(...stats.map((s) => s.eld.p99)),
      machineBusy: busyBetween(cpuBefore, cpuTimes()),
      gcMaxMs: Math.max(...stats.map((s) => s.gc.maxMs)),
      gcShare: Math.max(...stats.map((s) => s.gc.totalMs / s.wallMs)),
    };
  } finally {
    // The servers finish the leaves of the closed sockets before the next measurement starts.
    await sleep(ctx.pick(100, 300));
  }
}

export const joinShapes = (ctx: BenchContext): JoinShape[] =>
  ctx.pick(
    // Quick: one small shape, enough to keep the code working.
    [{ classes: 10, perClass: 10 }],
    [
      { classes: 100, perClass: 10 },
      { classes: 100, perClass: 30 },
    ],
  );

export const shapeName = ({ classes, perClass }: JoinShape) =>
  `${classes} classes × ${perClass} (${(classes * perClass).toLocaleString('en-US')} sockets)`;

export const joinTargets = (shape: JoinShape): Target[] =>
  shape.perClass === 10
    ? [
        { text: 'p99 < 20 ms (at 1,000 sockets)', metric: 'p99', op: '<', limit: 20 },
        { text: 'p99 ≤ 1.5× floor', metric: 'ratio', op: '<=', limit: 1.5 },
      ]
    : [];

export const join: Scenario = {
  id: 'join',
  title: '1. Join latency (join-session + get-session-users until existing-users)',
  async run(ctx) {
    const [server, floor, telling, generator] = await Promise.all([
      startClassroom(ctx, { name: 'classroom' }),
      startFloor(ctx),
      startFloor(ctx, 'floor-telling', { FLOOR_TELLS_CLASS: '1' }),
      joinGenerator(ctx, 'one-node'),
    ]);
    const serverOf = { floor, classroom: server, telling } as const;
    const rows: Row[] = [];
    try {
      for (const shape of joinShapes(ctx)) {
        const measured = { floor: [] as JoinMeasurement[], classroom: [] as JoinMeasurement[], telling: [] as JoinMeasurement[] };
        const { classroom: runs, floor: floors } = measured;
        for (let r = 0; r < ctx.runs; r++) {
          // Alternate the order, so a drift of the machine does not always favour one side.
          const order = r % 2 === 0 ? (['floor', 'classroom', 'telling'] as const) : (['telling', 'classroom', 'floor'] as const);
          for (const which of order) {
            const m = await measureJoin(ctx, generator, [serverOf[which]], shape, `${which}-${shape.classes}x${shape.perClass}`);
            measured[which].push(m);
            ctx.log(
              `  run ${r + 1} ${which.padEnd(9)} ${shape.classes}x${shape.perClass}: p50 ${m.latency.p50.toFixed(2)} ms, p99 ${m.latency.p99.toFixed(2)} ms (n=${m.latency.n}), server CPU ${(m.serverCpu * 100).toFixed(0)}% (machine ${(m.machineBusy * 100).toFixed(0)}%), ELD p99 ${m.eldP99.toFixed(1)} ms, GC max ${m.gcMaxMs.toFixed(0)} ms (${(m.gcShare * 100).toFixed(1)}%)`,
            );
          }
        }
        rows.push(
          latencyRow({
            id: `join-${shape.perClass}`,
            section: '1. Join latency, one node',
            name: `join + existing-users, ${shapeName(shape)}`,
            runs: runs.map((m) => m.latency),
            floorName: 'bare Socket.IO',
            floorRuns: floors.map((m) => m.latency),
            targets: joinTargets(shape),
            notes: [
              `${runs[0]?.latency.n ?? 0} joins per run (each class's extra student joins once a second); server CPU ${(
                (runs.reduce((a, m) => a + m.serverCpu, 0) / Math.max(1, runs.length)) *
                100
              ).toFixed(0)}% of a core during the measurement`,
            ],
          }),
          latencyRow({
            id: `join-${shape.perClass}-telling`,
            section: '1. Join latency, one node',
            name: `the same, against a bare Socket.IO that also tells the class (\`user-joined\` / \`user-left\` to the room), for reference`,
            runs: runs.map((m) => m.latency),
            floorName: 'bare Socket.IO telling the class',
            floorRuns: measured.telling.map((m) => m.latency),
            targets: [],
            notes: [],
          }),
        );
      }
    } finally {
      await Promise.all([server.stop(), floor.stop(), telling.stop(), stopJoinGenerator(generator)]);
    }
    return rows;
  },
};
