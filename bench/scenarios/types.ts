import type { Latency } from '../lib/stats';
import { median } from '../lib/stats';

/**
 * A scenario measures one thing (join latency, fan-out, …) and returns rows for the table. To add
 * one (issue 8: 1 tutor + 20 students through Janus vs the star), write `scenarios/<name>.ts`
 * exporting a `Scenario` and list it in `scenarios/index.ts`; start processes with `lib/servers.ts`
 * and `lib/processes.ts` (they are stopped even when the scenario throws), and build rows with
 * `latencyRow` / `valueRow` below.
 */
export interface Scenario {
  /** Short id for `--only` (e.g. `join`). */
  id: string;
  title: string;
  /**
   * Why this scenario does not run in this bench (e.g. too long for quick mode), or null. Asked
   * before the time budget, so a scenario left out on purpose is never reported as out of time.
   */
  skippedBecause?(ctx: BenchContext): string | null;
  run(ctx: BenchContext): Promise<Row[]>;
}

export type Mode = 'quick' | 'full';

export interface BenchContext {
  mode: Mode;
  /** How many runs each figure is the median of. */
  runs: number;
  /** The JWT secret every classroom server of this bench uses. */
  secret: string;
  /** A temporary folder for this bench (SQLite files, data dirs); deleted at the end. */
  tmpDir: string;
  /** When set, classroom servers write V8 CPU profiles here. */
  profileDir?: string;
  /** Rows of the scenarios that ran before (the cluster compares itself with one node). */
  rows: Row[];
  log(message: string): void;
  /** Pick by mode: `ctx.pick(quickValue, fullValue)`. */
  pick<T>(quick: T, full: T): T;
  /**
   * Runs one measurement while watching the rest of the machine: waits for other people's work to
   * calm down first, and measures again (at most twice) when it disturbed the measurement. Full
   * runs only; quick runs measure once.
   */
  quietly?<T>(label: string, measure: () => Promise<T>): Promise<T>;
}

/** `ctx.quietly(label, measure)` where the context has it (the bench's own), else just `measure()`. */
export function quietly<T>(ctx: BenchContext, label: string, measure: () => Promise<T>): Promise<T> {
  return ctx.quietly ? ctx.quietly(label, measure) : measure();
}

/** A measurement that other processes on the machine disturbed (they used more than a share of its CPU). */
export interface Disturbance {
  label: string;
  /** Share of the whole machine (0–1) others used during each attempt. */
  shares: number[];
  /** Whether the kept attempt was still disturbed. */
  kept: boolean;
}

/** One figure of one run: a latency (p50/p99) or a single value. */
export interface Figure {
  p50?: number;
  p99?: number;
  value?: number;
}

export type Metric = 'p50' | 'p99' | 'value' | 'ratio' | 'refRatio';

export interface Target {
  /** What the issue asks, in words. */
  text: string;
  metric: Metric;
  op: '<' | '<=' | '>' | '>=';
  limit: number;
}

export interface Row {
  /** Stable id (`join-100x10`), for the JSON and for other scenarios to find. */
  id: string;
  section: string;
  name: string;
  unit: string;
  kind: 'latency' | 'value';
  /** Per run, in run order. */
  runs: Figure[];
  /** The median over runs. */
  figure: Figure;
  floorName?: string;
  floorRuns?: Figure[];
  floor?: Figure;
  /** Median over runs of (this run's figure / the floor's figure in the same run), on p99 (or value). */
  ratio?: number;
  ratioP50?: number;
  /** Another row this one is compared with (a cross-node figure with the one-node one). */
  ref?: { name: string; figure: Figure; ratio: number };
  targets: Target[];
  notes: string[];
}

const ratioOf = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 && Number.isFinite(a) ? a / b : Number.NaN;

export function latencyRow(options: {
  id: string;
  section: string;
  name: string;
  runs: Latency[];
  floorName?: string;
  floorRuns?: Latency[];
  targets?: Target[];
  notes?: string[];
}): Row {
  const runs = options.runs.map((l) => ({ p50: l.p50, p99: l.p99 }));
  const floorRuns = options.floorRuns?.map((l) => ({ p50: l.p50, p99: l.p99 }));
  return {
    id: options.id,
    section: options.section,
    name: options.name,
    unit: 'ms',
    kind: 'latency',
    runs,
    figure: { p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) },
    floorName: options.floorName,
    floorRuns,
    floor: floorRuns && { p50: median(floorRuns.map((r) => r.p50)), p99: median(floorRuns.map((r) => r.p99)) },
    ratio: floorRuns && median(runs.map((r, i) => ratioOf(r.p99, floorRuns[i]?.p99))),
    ratioP50: floorRuns && median(runs.map((r, i) => ratioOf(r.p50, floorRuns[i]?.p50))),
    targets: options.targets ?? [],
    notes: options.notes ?? [],
  };
}

export function valueRow(options: {
  id: string;
  section: string;
  name: string;
  unit: string;
  runs: number[];
  floorName?: string;
  floorRuns?: number[];
  targets?: Target[];
  notes?: string[];
}): Row {
  const floorRuns = options.floorRuns;
  return {
    id: options.id,
    section: options.section,
    name: options.name,
    unit: options.unit,
    kind: 'value',
    runs: options.runs.map((value) => ({ value })),
    figure: { value: median(options.runs) },
    floorName: options.floorName,
    floorRuns: floorRuns?.map((value) => ({ value })),
    floor: floorRuns && { value: median(floorRuns) },
    ratio: floorRuns && median(options.runs.map((v, i) => ratioOf(v, floorRuns[i]))),
    targets: options.targets ?? [],
    notes: options.notes ?? [],
  };
}

/** Compares a row with another (same metric), e.g. cross-node fan-out with one-node fan-out. */
export function withRef(row: Row, name: string, other: Row | undefined): Row {
  if (!other) return row;
  const metric = row.kind === 'latency' ? 'p99' : 'value';
  return { ...row, ref: { name, figure: other.figure, ratio: ratioOf(row.figure[metric], other.figure[metric]) } };
}

/** A target's verdict: met, missed (by how much, in words), or not measured (no run had the figure). */
export type Verdict = { result: 'pass' } | { result: 'miss'; detail: string } | { result: 'not measured' };

export function metricValue(row: Row, metric: Metric): number | undefined {
  if (metric === 'ratio') return row.ratio;
  if (metric === 'refRatio') return row.ref?.ratio;
  return row.figure[metric];
}

export function judge(row: Row, target: Target): Verdict {
  const v = metricValue(row, target.metric);
  if (v === undefined || !Number.isFinite(v)) return { result: 'not measured' };
  const ok =
    target.op === '<' ? v < target.limit : target.op === '<=' ? v <= target.limit : target.op === '>' ? v > target.limit : v >= target.limit;
  if (ok) return { result: 'pass' };
  const off = target.op.startsWith('<') ? v / target.limit - 1 : 1 - v / target.limit;
  return { result: 'miss', detail: `${target.op.startsWith('<') ? 'over' : 'under'} by ${(off * 100).toFixed(0)}%` };
}
