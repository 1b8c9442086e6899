import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { chromiumPath } from '../../e2e/support/browser-paths';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  kernel: string;
  /** The Chromium the browser scenarios drive, as it names itself: its defaults move the figures. */
  browser: string;
  loadAtStart: number[];
}

function chromiumVersion(): string {
  const out = spawnSync(chromiumPath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return out.status === 0 ? out.stdout.trim().replace(/\s+built on .*$/, '') : `no Chromium at ${chromiumPath}`;
}

function osName(): string {
  if (existsSync('/etc/os-release')) {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  }
  return `${os.type()} ${os.release()}`;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: osName(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    browser: chromiumVersion(),
    loadAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Total and idle CPU time of the whole machine so far (all cores), from os.cpus(). */
export function cpuTimes(): { total: number; idle: number } {
  let total = 0;
  let idle = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
    idle += t.idle;
  }
  return { total, idle };
}

/** The share of the machine's CPU (all cores) that was busy between two readings, 0–1. */
export function busyBetween(a: { total: number; idle: number }, b: { total: number; idle: number }): number {
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : Number.NaN;
}
