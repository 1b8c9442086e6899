/**
 * Summarises a V8 CPU profile (`npm run bench -- --profile` writes them to bench/out/profiles):
 * self time by function and by package / source folder.
 *
 *   node --import tsx bench/profile-summary.ts bench/out/profiles/classroom-….cpuprofile [top]
 */
import { readFileSync } from 'node:fs';
import { sourceLines } from './lib/source-lines';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const args = process.argv.slice(2);
const windowArg = args.find((a) => a.startsWith('--window='));
const [file, topArg] = args.filter((a) => !a.startsWith('--'));
if (!file) {
  process.stderr.write('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [--window=<from s>,<to s>] [--timeline] [--long]\n');
  process.exit(1);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const isIdle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
const [from, to] = windowArg ? windowArg.slice('--window='.length).split(',').map((v) => Number(v) * 1e6) : [0, Infinity];

// Self time per node, only for samples inside the window (seconds from the start of the profile).
const selfUs = new Map<number, number>();
const perSecond: number[] = [];
let at = 0;
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (!isIdle(id)) perSecond[Math.floor(at / 1e6)] = (perSecond[Math.floor(at / 1e6)] ?? 0) + dt;
  if (at < from || at > to) return;
  total += dt;
  if (isIdle(id)) idle += dt;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
});
if (args.includes('--long')) {
  // Stretches of busy samples with no idle one in between: how long the event loop went without a break.
  const stretches: Array<{ start: number; us: number; ids: number[] }> = [];
  let current: { start: number; us: number; ids: number[] } | null = null;
  let clock = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    clock += dt;
    if (isIdle(id)) {
      if (current) stretches.push(current);
      current = null;
      return;
    }
    current ??= { start: clock, us: 0, ids: [] };
    current.us += dt;
    current.ids.push(id);
  });
  const longest = stretches
    .filter((st) => st.start >= from && st.start <= to)
    .sort((a, b) => b.us - a.us)
    .slice(0, 8);
  process.stdout.write('longest busy stretches (no idle sample in between):\n');
  for (const st of longest) {
    const by = new Map<string, number>();
    for (const id of st.ids) {
      const f = byId.get(id)?.callFrame;
      const key = `${f?.functionName || '(anonymous)'} ${f ? shortPath(f.url) : ''}`;
      by.set(key, (by.get(key) ?? 0) + 1);
    }
    const top3 = [...by].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${k} ×${n}`).join('; ');
    process.stdout.write(`  at ${(st.start / 1e6).toFixed(1)} s: ${(st.us / 1000).toFixed(0)} ms — ${top3}\n`);
  }
}
if (args.includes('--timeline')) {
  process.stdout.write(`busy share per second: ${[...perSecond].map((us, s) => `${s}:${Math.round((us ?? 0) / 1e4)}%`).join(' ')}\n`);
}

/** A script's address from the project's folders on (`src/…`, `node_modules/…`). */
function shortPath(url: string): string {
  return url.replace(/^.*\/(node_modules|src|apps|bench)\//, '$1/');
}

function where(url: string): string {
  if (!url) return '(native / V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return url;
  const src = /\/(src\/[^/]+\/[^/]+|apps\/[^/]+|bench)\//.exec(url);
  return src ? src[1] : url.replace(/^file:\/\//, '');
}

const lines = sourceLines();
/** A function's file and line as written (a TypeScript file run under tsx: from tsx's source map). */
function placeOf({ functionName, url, lineNumber, columnNumber }: ProfileNode['callFrame']): string {
  const line = lines.lineOf(url, lineNumber, columnNumber, functionName) ?? lineNumber + 1;
  return `${shortPath(url)}:${line}`;
}

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (!node || node.callFrame.functionName === '(idle)') continue;
  const { functionName, url } = node.callFrame;
  const key = `${functionName || '(anonymous)'}  ${url ? placeOf(node.callFrame) : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byPlace.set(where(url), (byPlace.get(where(url)) ?? 0) + us);
}
const busy = total - idle;
const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
const print = (title: string, map: Map<string, number>) => {
  process.stdout.write(`\n${title} (share of busy time)\n`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`);
};
process.stdout.write(
  `${file}: ${(total / 1e6).toFixed(1)} s profiled${windowArg ? ` (window ${windowArg.slice(9)} s)` : ''}, ${(busy / 1e6).toFixed(1)} s busy (${((busy / total) * 100).toFixed(0)}%)\n`,
);
print('by package / folder', byPlace);
print('by function', byFunction);
