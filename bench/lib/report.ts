import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type Disturbance, judge, type Row } from '../scenarios/types';
import type { Machine } from './machine';

export interface Report {
  mode: 'quick' | 'full';
  runs: number;
  startedAt: string;
  durationS: number;
  machine: Machine;
  rows: Row[];
  failures: Array<{ scenario: string; error: string }>;
  /** Per scenario: how long it took and the machine's 1-minute load average at its end. */
  loads: Array<{ scenario: string; seconds: number; load1: number }>;
  /** Measurements other processes disturbed (repeated, or kept disturbed). */
  disturbances?: Disturbance[];
  /** The mean share of the machine other processes used during measurements. */
  othersMean?: number;
}

const num = (v: number | undefined, digits = 2) => {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100 || Number.isInteger(v)) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(digits);
};

function figureText(row: Row, which: 'figure' | 'floor'): string {
  const f = which === 'figure' ? row.figure : row.floor;
  if (!f) return '—';
  if (row.kind === 'latency') return `p50 ${num(f.p50)} · p99 ${num(f.p99)} ${row.unit}`;
  return `${num(f.value)} ${row.unit}`;
}

function compareText(row: Row): string {
  const parts: string[] = [];
  if (row.ratio !== undefined) {
    parts.push(row.kind === 'latency' ? `${num(row.ratio)}× (p50 ${num(row.ratioP50)}×)` : `${num(row.ratio)}×`);
  }
  if (row.ref) parts.push(`${num(row.ref.ratio)}× ${row.ref.name}`);
  return parts.join('; ') || '—';
}

/** The result column: `pass`, or each target missed and by how much, or not measured. */
export function verdictText(row: Row): string {
  if (row.targets.length === 0) return '';
  const misses = row.targets.flatMap((t) => {
    const v = judge(row, t);
    if (v.result === 'pass') return [];
    return [v.result === 'miss' ? `MISS ${t.text}: ${v.detail}` : `not measured: ${t.text}`];
  });
  return misses.length ? misses.join('; ') : 'pass';
}

const columns = ['measure', 'figure', 'floor', 'vs floor / reference', 'target', 'result'] as const;

/** Quick runs use counts far below the targets' (600 sockets, not 10,000): their verdicts only hint. */
function cells(row: Row, mode: Report['mode']): string[] {
  const verdict = verdictText(row);
  return [
    row.name,
    figureText(row, 'figure'),
    row.floor ? `${figureText(row, 'floor')}${row.floorName ? ` (${row.floorName})` : ''}` : '—',
    compareText(row),
    row.targets.map((t) => t.text).join('; ') || '—',
    verdict ? (mode === 'quick' ? `${verdict} (quick counts: only the full run judges)` : verdict) : '—',
  ];
}

/** The table for the terminal, grouped by section. */
export function textTable(report: Report): string {
  const lines: string[] = [];
  const widths = columns.map((c) => c.length);
  const all = report.rows.map((row) => cells(row, report.mode));
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.min(70, Math.max(widths[i], c.length))));
  const line = (cs: readonly string[]) => cs.map((c, i) => c.padEnd(widths[i])).join(' │ ');
  lines.push(line(columns), widths.map((w) => '─'.repeat(w)).join('─┼─'));
  let section = '';
  report.rows.forEach((row, i) => {
    if (row.section !== section) {
      section = row.section;
      lines.push(`▸ ${section}`);
    }
    lines.push(line(all[i]));
  });
  return lines.join('\n');
}

export function markdownBlock(report: Report): string {
  const m = report.machine;
  const out: string[] = [];
  out.push(
    `Run ${report.startedAt} · **${report.mode}** mode · figures are medians of ${report.runs} run${report.runs === 1 ? '' : 's'} · took ${Math.round(report.durationS / 60)} min`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB RAM · Node ${m.node} · ${m.os} (${m.kernel}) · ${m.browser}`,
    '',
    `Load average (1 min) at the start ${m.loadAtStart[0]}, after each scenario: ${report.loads.map((l) => `${l.scenario} ${l.load1} (${l.seconds} s)`).join(', ')}. ` +
      (report.othersMean === undefined
        ? ''
        : `Other processes on this shared machine used ${(report.othersMean * 100).toFixed(0)}% of it on average during the measurements; `) +
      (!report.disturbances
        ? ''
        : report.disturbances.length
        ? `${report.disturbances.length} measurement(s) were disturbed (others above 25%) and measured again: ${report.disturbances
            .map((d) => `${d.label} (${d.shares.map((s) => `${(s * 100).toFixed(0)}%`).join(' → ')}${d.kept ? ', kept disturbed' : ''})`)
            .join(', ')}.`
        : 'none was disturbed.'),
    '',
    `| # | ${columns.join(' | ')} |`,
    `| --- | ${columns.map(() => '---').join(' | ')} |`,
  );
  let section = '';
  let n = 0;
  for (const row of report.rows) {
    if (row.section !== section) {
      section = row.section;
      out.push(`| | **${section}** | | | | | |`);
    }
    n += 1;
    out.push(`| ${n} | ${cells(row, report.mode).map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  out.push('');
  const noted = report.rows.filter((r) => r.notes.length);
  if (noted.length) {
    out.push('Measured alongside:', '');
    for (const row of noted) out.push(`- ${row.name}: ${row.notes.join('; ')}`);
    out.push('');
  }
  if (report.failures.length) {
    out.push('Scenarios that failed in this run:', '');
    for (const f of report.failures) out.push(`- ${f.scenario}: ${f.error.split('\n')[0]}`);
    out.push('');
  }
  const perRun = report.rows.filter((r) => r.runs.length > 1);
  if (perRun.length) {
    out.push('<details><summary>Every run</summary>', '');
    for (const row of perRun) {
      const fmt = (f: { p50?: number; p99?: number; value?: number }) =>
        row.kind === 'latency' ? `${num(f.p50)}/${num(f.p99)}` : num(f.value);
      const floor = row.floorRuns ? ` · floor ${row.floorRuns.map(fmt).join(', ')}` : '';
      out.push(`- ${row.name} (${row.kind === 'latency' ? 'p50/p99 ms' : row.unit}): ${row.runs.map(fmt).join(', ')}${floor}`);
    }
    out.push('', '</details>', '');
  }
  return out.join('\n');
}

export const begin = '<!-- bench:begin — written by `npm run bench`; everything outside these markers is kept -->';
export const end = '<!-- bench:end -->';

/** Writes the generated block into `path`, keeping whatever was written around it by hand. */
export function writeMarkdown(path: string, report: Report, skeleton: (block: string) => string): void {
  const block = `${begin}\n${markdownBlock(report)}\n${end}`;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    const a = text.indexOf(begin.slice(0, 20));
    const b = text.indexOf(end);
    if (a !== -1 && b !== -1 && b > a) {
      writeFileSync(path, `${text.slice(0, a)}${block}${text.slice(b + end.length)}`);
      return;
    }
  }
  writeFileSync(path, skeleton(block));
}
