import { benchRedisPrefix, benchRedisUrl, deleteRedisKeys, throwawayPostgres } from '../lib/databases';
import type { Generator, ServerHandle } from '../lib/processes';
import { startClassroom, startFloor } from '../lib/servers';
import { fanoutGenerator, fanoutName, type FanoutMeasurement, measureFanout } from './fanout';
import { joinGenerator, type JoinMeasurement, joinShapes, measureJoin, shapeName } from './join';
import { latencyRow, type Row, type Scenario, withRef } from './types';

/** Items 1 and 2 with two nodes sharing Redis (and PostgreSQL), every class spread over both. */
export const cluster: Scenario = {
  id: 'cluster',
  title: '6. Two nodes through Redis (items 1 and 2, every class half on each node)',
  async run(ctx) {
    const pg = await throwawayPostgres();
    const prefix = benchRedisPrefix();
    const nodes: ServerHandle[] = [];
    let floor: ServerHandle | null = null;
    const generators: Generator[] = [];
    const rows: Row[] = [];
    try {
      const redis = { url: benchRedisUrl, prefix };
      const started = await Promise.all([
        startClassroom(ctx, { name: 'node-a', database: pg.url, redis }),
        startClassroom(ctx, { name: 'node-b', database: pg.url, redis }),
        startFloor(ctx),
        joinGenerator(ctx, 'cluster'),
        fanoutGenerator(ctx, 'cluster'),
      ]);
      nodes.push(started[0], started[1]);
      floor = started[2];
      const [, , bare, joins, fans] = started;
      generators.push(joins.members, joins.probes, fans);
      const runs = ctx.runs;

      for (const shape of joinShapes(ctx)) {
        const measured: JoinMeasurement[] = [];
        const floors: JoinMeasurement[] = [];
        for (let r = 0; r < runs; r++) {
          const order = r % 2 === 0 ? (['floor', 'cluster'] as const) : (['cluster', 'floor'] as const);
          for (const which of order) {
            const m = await measureJoin(ctx, joins, which === 'floor' ? [bare] : nodes, shape, `${which}-${shape.classes}x${shape.perClass}`);
            (which === 'floor' ? floors : measured).push(m);
            ctx.log(
              `  run ${r + 1} ${which.padEnd(7)} ${shape.classes}x${shape.perClass}: p50 ${m.latency.p50.toFixed(2)} ms, p99 ${m.latency.p99.toFixed(2)} ms (n=${m.latency.n}), servers CPU ${(m.serverCpu * 100).toFixed(0)}%`,
            );
          }
        }
        const row = latencyRow({
          id: `cluster-join-${shape.perClass}`,
          section: '6. Two nodes through Redis',
          name: `join + existing-users, ${shapeName(shape)}, over 2 nodes`,
          runs: measured.map((m) => m.latency),
          floorName: 'bare Socket.IO, one process',
          floorRuns: floors.map((m) => m.latency),
        });
        rows.push(withRef(row, 'one node', ctx.rows.find((r) => r.id === `join-${shape.perClass}`)));
      }

      const measured: FanoutMeasurement[] = [];
      const floors: FanoutMeasurement[] = [];
      for (let r = 0; r < runs; r++) {
        const order = r % 2 === 0 ? (['floor', 'cluster'] as const) : (['cluster', 'floor'] as const);
        for (const which of order) {
          const m = await measureFanout(ctx, fans, which === 'floor' ? [bare] : nodes, which);
          (which === 'floor' ? floors : measured).push(m);
          ctx.log(`  run ${r + 1} ${which.padEnd(7)} fan-out: p50 ${m.latency.p50.toFixed(2)} ms, p99 ${m.latency.p99.toFixed(2)} ms (n=${m.latency.n})`);
        }
      }
      const row = latencyRow({
        id: 'cluster-fanout',
        section: '6. Two nodes through Redis',
        name: fanoutName(ctx, ', over 2 nodes'),
        runs: measured.map((m) => m.latency),
        floorName: 'bare Socket.IO room broadcast, one process',
        floorRuns: floors.map((m) => m.latency),
        targets: [{ text: 'p99 < 2× one node', metric: 'refRatio', op: '<', limit: 2 }],
      });
      rows.push(withRef(row, 'one node', ctx.rows.find((r) => r.id === 'fanout-1')));
    } finally {
      await Promise.all([...nodes.map((n) => n.stop()), floor?.stop(), ...generators.map((g) => g.stop())]);
      await pg.drop();
      await deleteRedisKeys(prefix);
    }
    return rows;
  },
};
