import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../scenarios/types';
import { appRoot } from './processes';

/**
 * Builds the web app (as `npm start` does) when the build is missing or older than its sources;
 * for scenarios that open the class page in a browser.
 */
export function ensureWebBuild(ctx: Pick<BenchContext, 'log'>): void {
  const built = join(appRoot, 'dist/web/index.html');
  const newest = (path: string): number => {
    if (!existsSync(path)) return 0;
    const st = statSync(path);
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
  };
  const sources = ['apps/web', 'src', 'vite.config.ts', 'package.json'].map((p) => join(appRoot, p));
  if (existsSync(built) && Math.max(...sources.map(newest)) <= statSync(built).mtimeMs) return;
  ctx.log('  building the web app (dist/web is missing or older than its sources)…');
  const res = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: appRoot, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('the web app did not build');
}
