import { randomBytes } from 'node:crypto';
import type { ChatConfig, ChatResult } from '../load/chat';
import { throwawayPostgres } from '../lib/databases';
import { type Generator, type ServerHandle, settleServers, startGenerator } from '../lib/processes';
import { startClassroom, startFloor } from '../lib/servers';
import { type Latency, latency, median, sleep } from '../lib/stats';
import { type BenchContext, latencyRow, quietly, type Row, type Scenario, valueRow } from './types';

type Store = 'floor' | 'sqlite' | 'postgres';

interface ChatRun {
  steady: Latency;
  steadyRate: number;
  /** Stored messages per second, senders in classes of `classSize`. */
  max: number;
  maxP99: number;
  offered: number;
  /** Whether the server, not the senders' rate limit, was the limit. */
  saturated: boolean;
  /** The same, each sender alone in its class. */
  alone: number;
  aloneSaturated: boolean;
  aloneP99: number;
  aloneOffered: number;
  errors: number;
}

export const chatShape = (ctx: BenchContext) => ({
  classSize: Number(process.env.BENCH_CHAT_CLASS_SIZE ?? 10),
  /** Sockets for the throughput measurement, over `generators` processes. */
  sockets: ctx.pick(300, Number(process.env.BENCH_CHAT_SOCKETS ?? 3200)),
  generators: ctx.pick(1, 2),
  steadyRate: 500,
  /** The steady load comes from this many sockets of the first generator (under 2 messages/s each). */
  steadySockets: ctx.pick(300, 500),
  durationMs: ctx.pick(700, 4000),
  warmupMs: ctx.pick(300, 1000),
});

/**
 * One run against one server: in classes of `classSize`, the steady 500 msg/s, then as fast as the
 * per-socket bucket allows; then the same senders each alone in a class (the store's path, with a
 * broadcast to the sender only), as fast as allowed.
 */
async function measure(ctx: BenchContext, generators: Generator[], server: ServerHandle, label: string): Promise<ChatRun> {
  const shape = chatShape(ctx);
  const base = (g: number, classSize: number, prefix: string): ChatConfig => {
    const per = Math.ceil(shape.sockets / shape.generators / classSize) * classSize;
    return {
      urls: [server.url],
      secret: ctx.secret,
      prefix,
      sockets: per,
      start: g * per,
      classSize,
      mode: 'max',
      rate: 0,
      startAt: 0,
      warmupMs: shape.warmupMs,
      durationMs: shape.durationMs,
      inFlight: 2,
    };
  };
  const seconds = shape.durationMs / 1000;
  const join = async (classSize: number) => {
    const prefix = `bench-chat-${randomBytes(3).toString('hex')}`;
    await Promise.all(generators.map((gen, g) => gen.call('join', base(g, classSize, prefix), 180_000)));
    // The joins are stored and broadcast: let the servers finish them (and any earlier leaves) first.
    await settleServers(ctx.pick(3000, 15_000));
    return prefix;
  };
  const max = async (classSize: number, prefix: string) => {
    const startAt = Date.now() + 300;
    const out = await Promise.all(
      generators.map((gen, g) => gen.call<ChatResult>('run', { ...base(g, classSize, prefix), startAt } satisfies ChatConfig, 120_000)),
    );
    const errors = out.reduce((a, r) => a + r.errors, 0);
    if (errors) ctx.log(`  ${label}: ${errors} chat messages refused (${out.find((r) => r.firstError)?.firstError})`);
    const failedJoins = out.reduce((a, r) => a + r.failedJoins, 0);
    if (failedJoins) ctx.log(`  ${label}: ${failedJoins} joins failed (${out.find((r) => r.joinError)?.joinError})`);
    const senders = Math.ceil(shape.sockets / shape.generators / classSize) * classSize * shape.generators;
    return {
      rate: out.reduce((a, r) => a + r.acked, 0) / seconds,
      // The server was the limit only if a backlog was still waiting for it when the window closed.
      saturated: out.reduce((a, r) => a + r.pendingAtEnd, 0) >= senders * 0.25,
      p99: latency(out.flatMap((r) => r.samples)).p99,
      offered: out.reduce((a, r) => a + r.sent, 0) / ((shape.durationMs + shape.warmupMs) / 1000),
      errors,
    };
  };
  const close = async () => {
    await Promise.all(generators.map((g) => g.call('close', undefined, 20_000).catch(() => undefined)));
    await sleep(ctx.pick(100, 1000));
  };
  const t = [performance.now()];
  const lap = () => t.push(performance.now());
  try {
    const prefix = await join(shape.classSize);
    lap();
    // Steady: the first generator's first `steadySockets` sockets, evenly spread.
    const steady = await generators[0].call<ChatResult>(
      'run',
      {
        ...base(0, shape.classSize, prefix),
        sockets: shape.steadySockets,
        mode: 'steady',
        rate: shape.steadyRate,
        startAt: Date.now() + 300,
      } satisfies ChatConfig,
      120_000,
    );
    if (steady.errors) ctx.log(`  ${label}: ${steady.errors} steady messages refused (${steady.firstError})`);
    await sleep(ctx.pick(100, 500));
    lap();
    const inClasses = await max(shape.classSize, prefix);
    lap();
    // Quick runs leave the senders-alone phase out (the same code as above; it would not fit in CI's budget).
    const alone = ctx.mode === 'quick' ? null : await close().then(() => join(1)).then((aloneAt) => (lap(), max(1, aloneAt)));
    lap();
    const phases = ['join', 'steady', 'max', 'rejoin', 'alone'].map((name, i) => `${name} ${((t[i + 1] - t[i]) / 1000).toFixed(1)}`);
    ctx.log(`    ${label} phases (s): ${phases.join(', ')}`);
    return {
      steady: latency(steady.samples),
      steadyRate: steady.acked / seconds,
      max: inClasses.rate,
      saturated: inClasses.saturated,
      maxP99: inClasses.p99,
      offered: inClasses.offered,
      alone: alone?.rate ?? Number.NaN,
      aloneSaturated: alone?.saturated ?? false,
      aloneP99: alone?.p99 ?? Number.NaN,
      aloneOffered: alone?.offered ?? Number.NaN,
      errors: steady.errors + inClasses.errors + (alone?.errors ?? 0),
    };
  } finally {
    await close();
  }
}

export const chat: Scenario = {
  id: 'chat',
  title: '4. Chat (acknowledged = stored messages)',
  async run(ctx) {
    const pg = await throwawayPostgres();
    const servers: Record<Store, ServerHandle | null> = { floor: null, sqlite: null, postgres: null };
    const results: Record<Store, ChatRun[]> = { floor: [], sqlite: [], postgres: [] };
    const generators: Generator[] = [];
    try {
      const shape = chatShape(ctx);
      [servers.floor, servers.sqlite, servers.postgres] = await Promise.all([
        startFloor(ctx),
        startClassroom(ctx, { name: 'classroom-sqlite' }),
        startClassroom(ctx, { name: 'classroom-postgres', database: pg.url }),
      ]);
      generators.push(
        ...(await Promise.all(
          Array.from({ length: shape.generators }, (_, g) =>
            startGenerator(`chat-${g}`, 'bench/load/chat.ts', { deadlineMs: ctx.pick(110_000, 20 * 60_000) }),
          ),
        )),
      );
      const stores: Store[] = ['floor', 'sqlite', 'postgres'];
      for (let r = 0; r < ctx.runs; r++) {
        const order = r % 2 === 0 ? stores : [...stores].reverse();
        for (const store of order) {
          const m = await quietly(ctx, `chat ${store}`, () => measure(ctx, generators, servers[store] as ServerHandle, store));
          results[store].push(m);
          ctx.log(
            `  run ${r + 1} ${store.padEnd(8)}: steady ${m.steadyRate.toFixed(0)} msg/s ack p50 ${m.steady.p50.toFixed(2)} / p99 ${m.steady.p99.toFixed(2)} ms · max ${m.max.toFixed(0)}${m.saturated ? '' : ' (not saturated)'} msg/s stored in classes of ${chatShape(ctx).classSize} (offered ${m.offered.toFixed(0)}/s, ack p99 ${m.maxP99.toFixed(0)} ms) · ${m.alone.toFixed(0)}${m.aloneSaturated ? '' : ' (not saturated)'} msg/s alone (offered ${m.aloneOffered.toFixed(0)}/s, ack p99 ${m.aloneP99.toFixed(0)} ms)`,
          );
        }
      }
    } finally {
      await Promise.all([...Object.values(servers).map((s) => s?.stop()), ...generators.map((g) => g.stop())]);
      await pg.drop();
    }
    const shape = chatShape(ctx);
    const rows: Row[] = [];
    for (const store of ['sqlite', 'postgres'] as const) {
      const name = store === 'sqlite' ? 'SQLite' : 'PostgreSQL';
      const offered = (runs: ChatRun[], pick: (m: ChatRun) => number) =>
        Math.round(runs.reduce((a, m) => a + pick(m), 0) / Math.max(1, runs.length)).toLocaleString('en-US');
      const ceiling = Math.round(shape.sockets * 2).toLocaleString('en-US');
      const unsaturated = (runs: ChatRun[], pick: (m: ChatRun) => boolean) => {
        const n = runs.filter((m) => !pick(m)).length;
        return n ? [`in ${n} of ${runs.length} runs no backlog was left at the end: the senders' limit, not the server, set the figure (the server does at least this)`] : [];
      };
      rows.push(
        valueRow({
          id: `chat-max-${store}`,
          section: '4. Chat, one node',
          name: `${name}: stored messages/s, ${shape.sockets.toLocaleString('en-US')} senders in classes of ${shape.classSize} (each message to ${shape.classSize})`,
          unit: 'msg/s',
          runs: results[store].map((m) => m.max),
          floorName: 'bare Socket.IO echo + room broadcast, same senders',
          floorRuns: results.floor.map((m) => m.max),
          targets: store === 'sqlite' ? [{ text: '≥ 5,000 msg/s', metric: 'value', op: '>=', limit: 5000 }] : [],
          notes: [
            ...unsaturated(results[store], (m) => m.saturated),
            `offered ${offered(results[store], (m) => m.offered)}/s (the floor: ${offered(results.floor, (m) => m.offered)}/s; the senders' ceiling is ${ceiling}/s plus their first burst: 2 messages/s per socket, the server's chat limit); ack p99 at that load ${median(results[store].map((m) => m.maxP99)).toFixed(0)} ms`,
          ],
        }),
        latencyRow({
          id: `chat-steady-${store}`,
          section: '4. Chat, one node',
          name: `${name}: ack latency at a steady ${shape.steadyRate} msg/s (${shape.steadySockets} senders, classes of ${shape.classSize})`,
          runs: results[store].map((m) => m.steady),
          floorName: 'bare Socket.IO echo',
          floorRuns: results.floor.map((m) => m.steady),
          targets: [{ text: 'p99 < 10 ms', metric: 'p99', op: '<', limit: 10 }],
        }),
      );
      if (ctx.mode === 'quick') continue;
      rows.splice(
        rows.length - 1,
        0,
        valueRow({
          id: `chat-alone-${store}`,
          section: '4. Chat, one node',
          name: `${name}: stored messages/s, the same senders each alone in a class (the store's path)`,
          unit: 'msg/s',
          runs: results[store].map((m) => m.alone),
          floorName: 'bare Socket.IO echo, same senders',
          floorRuns: results.floor.map((m) => m.alone),
          targets: store === 'sqlite' ? [{ text: '≥ 5,000 msg/s', metric: 'value', op: '>=', limit: 5000 }] : [],
          notes: [
            ...unsaturated(results[store], (m) => m.aloneSaturated),
            `offered ${offered(results[store], (m) => m.aloneOffered)}/s (the floor: ${offered(results.floor, (m) => m.aloneOffered)}/s); ack p99 at that load ${median(results[store].map((m) => m.aloneP99)).toFixed(0)} ms`,
          ],
        }),
      );
    }
    return rows;
  },
};
