/**
 * `npm run bench` (full, for people) and `npm run bench -- --quick` (small, under 2 minutes, for CI).
 *
 * Starts every server and load generator as a process of its own, runs the scenarios in
 * `scenarios/index.ts`, prints a table of medians over several runs with each figure's ratio to a
 * floor measured in the same run, and writes it with the machine it ran on to docs/benchmarks.md
 * (full) or bench/out/benchmarks-quick.md (quick).
 *
 * Options: --quick · --only join,fanout,… · --runs N · --profile (V8 CPU profiles of the classroom
 * servers into bench/out/profiles) · --out <file.md>
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { machine } from './lib/machine';
import { root, stopAll } from './lib/processes';
import { markdownBlock, type Report, textTable, writeMarkdown } from './lib/report';
import { scenarios } from './scenarios';
import type { BenchContext, Disturbance, Mode, Row } from './scenarios/types';
import { disturbedAbove, waitForQuiet, watchOthers } from './lib/interference';

function parseArgs(argv: string[]) {
  const options = { mode: 'full' as Mode, only: null as string[] | null, runs: 0, profile: false, out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') options.mode = 'quick';
    else if (a === '--full') options.mode = 'full';
    else if (a === '--only') options.only = argv[++i].split(',');
    else if (a.startsWith('--only=')) options.only = a.slice(7).split(',');
    else if (a === '--runs') options.runs = Number(argv[++i]);
    else if (a.startsWith('--runs=')) options.runs = Number(a.slice(7));
    else if (a === '--profile') options.profile = true;
    else if (a === '--out') options.out = argv[++i];
    else if (a.startsWith('--out=')) options.out = a.slice(6);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: npm run bench [-- --quick] [--only ${scenarios.map((s) => s.id).join(',')}] [--runs N] [--profile] [--out file.md]\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return options;
}

const skeleton = (block: string) => `# Benchmarks

What the classroom costs, measured on one machine by \`npm run bench\`, side by side with the floor:
a bare Socket.IO server (\`bench/floor-server.ts\`: no auth, no validation, no state, no database)
answering the same round trips, started by the bench in the same run. See "How it is measured" below.

${block}
`;

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const mode = options.mode;
  const started = Date.now();
  // The whole bench stops by itself: quick well inside CI's 2 minutes, full inside 40 minutes
  // (about 25 with the large class; the rest is room for waiting out other processes).
  const budgetMs = mode === 'quick' ? 118_000 : 40 * 60_000;
  // A scenario does not start past this point (quick: the rest would not fit in the budget).
  const startBy = mode === 'quick' ? 100_000 : 34 * 60_000;
  const tmpDir = mkdtempSync(join(tmpdir(), 'classroom-bench-'));
  const removeTmp = () => rmSync(tmpDir, { recursive: true, force: true });
  const hardStop = setTimeout(() => {
    process.stderr.write(`bench: time budget of ${budgetMs / 1000} s exceeded, stopping everything\n`);
    void stopAll().finally(() => {
      removeTmp();
      process.exit(2);
    });
  }, budgetMs);
  hardStop.unref();

  const outDir = join(root, 'bench/out');
  mkdirSync(outDir, { recursive: true });
  const profileDir = options.profile ? join(outDir, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  const rows: Row[] = [];
  const disturbances: Disturbance[] = [];
  const othersShares: number[] = [];
  const ctx: BenchContext = {
    mode,
    runs: options.runs || (mode === 'quick' ? 1 : 3),
    secret: `bench-${randomBytes(24).toString('hex')}`,
    tmpDir,
    profileDir,
    rows,
    log: (message) => process.stdout.write(`${message}\n`),
    pick: (quick, full) => (mode === 'quick' ? quick : full),
    async quietly(label, measure) {
      const attempts = mode === 'quick' ? 1 : 3;
      const shares: number[] = [];
      for (let a = 0; ; a++) {
        if (mode === 'full') {
          await waitForQuiet(120_000, (s) => ctx.log(`  waiting: other processes use ${(s * 100).toFixed(0)}% of the machine…`));
        }
        const stop = watchOthers();
        const result = await measure();
        const share = stop();
        shares.push(share);
        othersShares.push(share);
        if (share <= disturbedAbove || a + 1 >= attempts) {
          if (share > disturbedAbove || a > 0) disturbances.push({ label, shares, kept: share > disturbedAbove });
          return result;
        }
        ctx.log(`  ${label}: other processes used ${(share * 100).toFixed(0)}% of the machine meanwhile; measuring again`);
      }
    },
  };

  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      process.stderr.write(`bench: ${signal}, stopping every process it started\n`);
      void stopAll().finally(() => {
        removeTmp();
        process.exit(130);
      });
    });
  }

  const m = machine();
  ctx.log(`bench (${mode}): ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}, ${m.browser}; ${ctx.runs} run(s) per figure`);
  const failures: Report['failures'] = [];
  const selected = scenarios.filter((s) => !options.only || options.only.includes(s.id));
  const loads: Report['loads'] = [];
  for (const scenario of selected) {
    const t0 = Date.now();
    ctx.log(`\n${scenario.title}`);
    const skipped = scenario.skippedBecause?.(ctx);
    if (skipped) {
      ctx.log(`  ${skipped}`);
      continue;
    }
    if (t0 - started > startBy) {
      failures.push({ scenario: scenario.id, error: `not started: the bench has run ${Math.round((t0 - started) / 1000)} s, past its ${startBy / 1000} s mark` });
      ctx.log('  skipped: out of time');
      continue;
    }
    try {
      rows.push(...(await scenario.run(ctx)));
    } catch (err) {
      const error = (err as Error).stack ?? String(err);
      failures.push({ scenario: scenario.id, error });
      process.stderr.write(`bench: scenario ${scenario.id} failed: ${error}\n`);
    } finally {
      await stopAll();
    }
    const load = loadavg()[0];
    loads.push({ scenario: scenario.id, seconds: Math.round((Date.now() - t0) / 1000), load1: Math.round(load * 100) / 100 });
    ctx.log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s; load average ${load.toFixed(2)})`);
  }
  removeTmp();

  const report: Report = {
    mode,
    runs: ctx.runs,
    startedAt: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
    durationS: (Date.now() - started) / 1000,
    machine: m,
    rows,
    failures,
    loads,
    disturbances,
    othersMean: othersShares.length ? othersShares.reduce((a, b) => a + b, 0) / othersShares.length : 0,
  };
  ctx.log(`\n${textTable(report)}\n`);
  const stamp = report.startedAt.replace(/[:]/g, '-');
  writeFileSync(join(outDir, `${mode}-${stamp}.json`), JSON.stringify(report, null, 2));
  const partial = Boolean(options.only) || options.runs > 0;
  const target = options.out || (mode === 'full' && !partial ? join(root, 'docs/benchmarks.md') : join(outDir, `benchmarks-${mode}.md`));
  if (target.endsWith('docs/benchmarks.md')) writeMarkdown(target, report, skeleton);
  else writeFileSync(target, `# Benchmarks (${mode}${partial ? ', partial' : ''})\n\n${markdownBlock(report)}`);
  ctx.log(`written: ${relative(root, target)} and bench/out/${mode}-${stamp}.json (${report.durationS.toFixed(0)} s)`);
  if (failures.length) process.exitCode = 1;
}

main().catch(async (err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  await stopAll();
  process.exit(1);
});
