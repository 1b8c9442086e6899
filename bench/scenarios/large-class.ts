/**
 * Issue 8: 1 tutor + 20 students in headless Chromium through Janus, against the star topology at
 * the same size (the same server without a media server: each student links only to the tutor).
 * For each: every student's time to the tutor's first frame, and, once the class has settled, the
 * tutor page's outgoing video streams and bitrate from getStats (one stream through Janus, whatever
 * the class size), with the tutor's CPU. Processes: Janus (SFU runs only), a classroom server and
 * the browser driver (`load/large-class-browser.ts`), all new for each topology and run, all
 * stopped within `perTopologyMs` whatever happens.
 *
 * Heavy (21 Chromium pages per topology, about 2.5 minutes each): skipped in quick mode unless
 * BENCH_LARGE_CLASS=1. Standalone: `npx tsx bench/scenarios/large-class.ts [--runs N]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startJanus } from '../../scripts/janus-process.mjs';
import type { LargeClassArgs, LargeClassResult, Outgoing } from '../load/large-class-browser';
import { freePort, type Generator, type ServerHandle, startGenerator, stopAll } from '../lib/processes';
import { startClassroom } from '../lib/servers';
import { latency, median, sleep } from '../lib/stats';
import { ensureWebBuild } from '../lib/web-build';
import { type BenchContext, latencyRow, type Row, type Scenario, valueRow } from './types';

type Topology = LargeClassArgs['topology'];

const students = 20;
/** Students opening the link together; the next ones open once these all see the tutor. */
const batch = 5;
const tutorVideo = '640x480@15';
const studentVideo = '160x120@10';
/**
 * Students open their camera only: 20 fake microphones cost a 2-core machine about half a core in
 * Chromium's audio service, enough to starve the pages being measured, and a student's microphone
 * is not part of what the tutor uploads. BENCH_STUDENT_MIC=1 gives them microphones.
 */
const studentMic = process.env.BENCH_STUDENT_MIC === '1';
/** Everything of one topology run (Janus, server, browsers) is stopped by then, whatever happens. */
const perTopologyMs = 180_000;
const section = `7. Large class, 1 tutor + ${students} students (browser)`;
const starName = 'star around the tutor (no media server)';

/** One class on a fresh server (and Janus, for `sfu`); `overrides` for experiments. */
export async function measureLargeClass(ctx: BenchContext, topology: Topology, overrides: Partial<LargeClassArgs> = {}): Promise<LargeClassResult> {
  const started = Date.now();
  let janus: Awaited<ReturnType<typeof startJanus>> | null = null;
  let server: ServerHandle | null = null;
  let driver: Generator | null = null;
  const inherited = process.env.JANUS_URL;
  try {
    let env: Record<string, string> = {};
    if (topology === 'sfu') {
      janus = await startJanus({ port: await freePort() });
      env = { JANUS_URL: janus.url, SFU_THRESHOLD: '0' };
    } else {
      // The star is the server without a media server: a JANUS_URL in the bench's own environment must not reach it.
      delete process.env.JANUS_URL;
    }
    const driverDeadline = perTopologyMs - (Date.now() - started) - 15_000;
    [server, driver] = await Promise.all([
      startClassroom(ctx, { name: `classroom-${topology}`, web: true, env }),
      startGenerator(`large-class-${topology}`, 'bench/load/large-class-browser.ts', { deadlineMs: driverDeadline }),
    ]);
    if (inherited !== undefined) process.env.JANUS_URL = inherited;
    const budgetMs = perTopologyMs - (Date.now() - started) - 25_000;
    const args: LargeClassArgs = {
      url: server.url,
      secret: ctx.secret,
      topology,
      students,
      batch,
      tutorVideo,
      studentVideo,
      budgetMs,
      batchTimeoutMs: 45_000,
      settleMs: 5000,
      windowMs: 5000,
      studentsWithoutMic: !studentMic,
      ...overrides,
    };
    return await driver.call<LargeClassResult>('classroom', args, budgetMs + 8000);
  } finally {
    if (inherited !== undefined) process.env.JANUS_URL = inherited;
    await Promise.all([driver?.stop(), server?.stop()]);
    await janus?.stop();
  }
}

const secs = (ms: number | null | undefined) => (ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${(ms / 1000).toFixed(1)} s`);
const seenMs = (r: LargeClassResult) => r.firstFrameMs.filter((v): v is number => v !== null);
/** Students who saw the tutor, when the run opened every student's link; otherwise the run did not measure it. */
const seenOfAll = (r: LargeClassResult) => (r.opened === r.firstFrameMs.length ? seenMs(r).length : Number.NaN);
const seenOfOpened = (r: LargeClassResult) => `${seenMs(r).length}/${r.opened}`;
const perStream = (o: Outgoing | null) => (o ? `${o.video.width.toFixed(0)}x${o.video.height.toFixed(0)}@${o.video.fps.toFixed(1)}` : '—');
const limits = (o: Outgoing | null) =>
  o
    ? Object.entries(o.video.limitations)
        .map(([k, v]) => `${k} ×${v}`)
        .join(', ') || '—'
    : '—';

function summary(r: LargeClassResult): string {
  const l = latency(seenMs(r));
  const o = r.outgoing;
  return [
    `mode ${o?.mode ?? '?'}`,
    `first frame p50 ${secs(l.p50)}, max ${secs(l.max)} (${l.n} saw the tutor of ${r.opened} opened, ${r.firstFrameMs.length} in the class; every student sees the tutor after ${secs(r.allSeeTutorMs)})`,
    o
      ? `tutor sends ${o.videoStreams[1]} video + ${o.audioStreams} audio streams on ${o.tutorPcs.connected} connected links, ${o.outKbps.toFixed(0)} kbit/s (video ${o.outVideoKbps.toFixed(0)}), ${perStream(o)} per stream (limited by: ${limits(o)}), tutor CPU ${o.tutorCpu === null ? '—' : `${(o.tutorCpu * 100).toFixed(0)}%`}, ${o.studentsPlaying} students' tutor video advancing`
      : 'no outgoing-media window',
    `${(r.ms / 1000).toFixed(0)} s`,
  ].join(' · ');
}

export const largeClass: Scenario = {
  id: 'large-class',
  title: `7. Large class: 1 tutor + ${students} students through Janus vs the star (headless Chromium; tutor ${tutorVideo}, students ${studentVideo}${studentMic ? '' : ', camera only'})`,
  skippedBecause(ctx) {
    return ctx.mode === 'quick' && process.env.BENCH_LARGE_CLASS !== '1'
      ? 'skipped in quick mode (21 browser pages per topology, about 5 minutes): `npm run bench -- --only large-class`, or BENCH_LARGE_CLASS=1'
      : null;
  },
  async run(ctx) {
    ensureWebBuild(ctx);
    // Each run is two classes of 21 pages: fewer runs than the socket scenarios.
    const runs = ctx.pick(1, Math.min(ctx.runs, 2));
    const results: Record<Topology, LargeClassResult[]> = { sfu: [], star: [] };
    const errors: string[] = [];
    for (let r = 0; r < runs; r++) {
      // Alternate which goes first, so neither always gets the fresher machine.
      const order: Topology[] = r % 2 === 0 ? ['sfu', 'star'] : ['star', 'sfu'];
      for (const topology of order) {
        try {
          const out = await measureLargeClass(ctx, topology);
          results[topology].push(out);
          ctx.log(`  run ${r + 1} ${topology.padEnd(4)}: ${summary(out)}`);
          if (out.failures.length) ctx.log(`    problems: ${out.failures.join(' | ')}`);
        } catch (err) {
          const message = (err as Error).message.split('\n')[0];
          errors.push(`${topology} run ${r + 1}: ${message}`);
          ctx.log(`  run ${r + 1} ${topology.padEnd(4)}: failed: ${message}`);
        }
        await sleep(2000);
      }
    }
    if (results.sfu.length === 0 && results.star.length === 0) throw new Error(`no run finished: ${errors.join(' | ')}`);

    const { sfu, star } = results;
    const latencies = (rs: LargeClassResult[]) => rs.map((x) => latency(seenMs(x)));
    const outs = (rs: LargeClassResult[], f: (o: Outgoing) => number | null) => rs.map((x) => (x.outgoing ? (f(x.outgoing) ?? Number.NaN) : Number.NaN));
    const each = (rs: LargeClassResult[], f: (x: LargeClassResult) => string) => rs.map(f).join(', ') || '—';
    const problems = [
      ...errors,
      ...[...sfu, ...star].flatMap((x) => x.failures.map((f) => `${x.topology}: ${f}`)),
      ...[...sfu, ...star]
        .filter((x) => x.outgoing && x.outgoing.mode !== (x.topology === 'sfu' ? 'sfu' : 'direct'))
        .map((x) => `${x.topology}: the tutor's page was in mode ${x.outgoing?.mode}`),
    ];
    const problemNote = problems.length ? [`problems: ${problems.slice(0, 5).join(' | ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`] : [];

    return [
      latencyRow({
        id: 'large-class-first-frame',
        section,
        name: `student opens the class link → tutor's first frame, through Janus (p99 = the slowest of ${students}; ${batch} at a time)`,
        runs: latencies(sfu),
        floorName: starName,
        floorRuns: latencies(star),
        notes: [
          `every student sees the tutor ${each(sfu, (x) => secs(x.allSeeTutorMs))} after the first opens the link through Janus, ${each(star, (x) => secs(x.allSeeTutorMs))} in the star (the next ${batch} open once the previous ${batch} see the tutor)`,
          ...problemNote,
        ],
      }),
      valueRow({
        id: 'large-class-students-seeing',
        section,
        name: 'students who saw the tutor, through Janus',
        unit: `of ${students}`,
        runs: sfu.map(seenOfAll),
        floorName: starName,
        floorRuns: star.map(seenOfAll),
        targets: [{ text: `all ${students}`, metric: 'value', op: '>=', limit: students }],
        notes: [
          `saw the tutor / opened the link, each run: ${each(sfu, seenOfOpened)} through Janus, ${each(star, seenOfOpened)} in the star (a run that could not open every student within its time counts as not measured, not as students who failed)`,
          `whose tutor video still advanced in the measured window: ${each(sfu, (x) => String(x.outgoing?.studentsPlaying ?? '—'))} through Janus, ${each(star, (x) => String(x.outgoing?.studentsPlaying ?? '—'))} in the star`,
        ],
      }),
      valueRow({
        id: 'large-class-tutor-streams',
        section,
        name: `tutor's outgoing video streams (getStats outbound-rtp on connected links), through Janus`,
        unit: 'streams',
        runs: outs(sfu, (o) => o.videoStreams[1]),
        floorName: starName,
        floorRuns: outs(star, (o) => o.videoStreams[1]),
        targets: [
          { text: 'one, whatever the class size (≤ 1', metric: 'value', op: '<=', limit: 1 },
          { text: '≥ 1)', metric: 'value', op: '>=', limit: 1 },
        ],
        notes: [
          `connected links on the tutor's page: ${each(sfu, (x) => String(x.outgoing?.tutorPcs.connected ?? '—'))} through Janus (its publication + a subscription per student on its grid page), ${each(star, (x) => String(x.outgoing?.tutorPcs.connected ?? '—'))} in the star`,
        ],
      }),
      valueRow({
        id: 'large-class-tutor-kbps',
        section,
        name: `tutor's outgoing bitrate (sum of outbound-rtp bytesSent deltas over 5 s, audio + video), through Janus`,
        unit: 'kbit/s',
        runs: outs(sfu, (o) => o.outKbps),
        floorName: starName,
        floorRuns: outs(star, (o) => o.outKbps),
        notes: [
          `each video stream (mean width x height @ fps; what limits it): ${each(sfu, (x) => `${perStream(x.outgoing)} (${limits(x.outgoing)})`)} through Janus (the room caps a publisher at 400 kbit/s), ${each(star, (x) => `${perStream(x.outgoing)} (${limits(x.outgoing)})`)} in the star; capture ${tutorVideo}`,
        ],
      }),
      valueRow({
        id: 'large-class-tutor-cpu',
        section,
        name: `tutor's browser CPU over the same 5 s (every process of its own Chromium), through Janus`,
        unit: '% of a core',
        runs: outs(sfu, (o) => (o.tutorCpu === null ? null : o.tutorCpu * 100)),
        floorName: starName,
        floorRuns: outs(star, (o) => (o.tutorCpu === null ? null : o.tutorCpu * 100)),
        notes: [`includes receiving the students it shows (16 on its grid page through Janus, all ${students} in the star); the students' pages run on the same machine`],
      }),
    ];
  },
};

/** `npx tsx bench/scenarios/large-class.ts [--runs N]`: this scenario alone (full mode), its table on stdout. */
async function standalone(): Promise<void> {
  const { machine } = await import('../lib/machine');
  const { markdownBlock, textTable } = await import('../lib/report');
  const argv = process.argv.slice(2);
  const at = argv.findIndex((a) => a === '--runs' || a.startsWith('--runs='));
  const runs = at === -1 ? 1 : Number(argv[at].includes('=') ? argv[at].slice(7) : argv[at + 1]);
  const tmpDir = mkdtempSync(join(tmpdir(), 'classroom-bench-'));
  const cleanup = async () => {
    await stopAll();
    rmSync(tmpDir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  // The scenario bounds itself; this is the last resort.
  const hardStop = setTimeout(
    () => {
      process.stderr.write('large-class: time budget exceeded, stopping everything\n');
      void cleanup().finally(() => process.exit(2));
    },
    Math.min(runs, 2) * 2 * (perTopologyMs + 5000) + 60_000,
  );
  hardStop.unref();
  const started = Date.now();
  const ctx: BenchContext = {
    mode: 'full',
    runs,
    secret: `bench-${randomBytes(24).toString('hex')}`,
    tmpDir,
    rows: [],
    log: (message) => process.stdout.write(`${message}\n`),
    pick: (_quick, full) => full,
  };
  const m = machine();
  ctx.log(largeClass.title);
  try {
    const rows: Row[] = await largeClass.run(ctx);
    const seconds = Math.round((Date.now() - started) / 1000);
    const report = {
      mode: 'full' as const,
      runs: ctx.pick(1, Math.min(runs, 2)),
      startedAt: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
      durationS: seconds,
      machine: m,
      rows,
      failures: [],
      loads: [{ scenario: largeClass.id, seconds, load1: Math.round((await import('node:os')).loadavg()[0] * 100) / 100 }],
    };
    ctx.log(`\n${textTable(report)}\n\n${markdownBlock(report)}`);
  } finally {
    clearTimeout(hardStop);
    await cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  standalone().catch((err) => {
    process.stderr.write(`large-class: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  });
}
