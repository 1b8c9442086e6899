import { readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Lines of TypeScript sources in a CPU profile of a process run under tsx. tsx hands V8 its
 * transform of each file, which puts a module's code on one or two lines, so a profile's positions
 * say "line 1" for every function; tsx keeps each transform with its source map in its cache
 * folder, and that map gives the line in the file as written.
 */
export interface SourceLines {
  /** The 1-based line in the source file, or null when no transform of it is cached. */
  lineOf(url: string, line: number, column: number, functionName: string): number | null;
}

interface Transform {
  code: string[];
  map: SourceMap;
  mtimeMs: number;
}

/** tsx's cache folder (node_modules/tsx: `tsx-<uid>` in the temporary folder). */
export const tsxCacheFolder = () => join(tmpdir(), `tsx-${userInfo().uid}`);

export function sourceLines(folder = tsxCacheFolder()): SourceLines {
  let bySource: Map<string, Transform[]> | null = null;

  const load = () => {
    const found = new Map<string, Transform[]>();
    let names: string[] = [];
    try {
      names = readdirSync(folder);
    } catch {
      return found;
    }
    for (const name of names) {
      try {
        const path = join(folder, name);
        const entry = JSON.parse(readFileSync(path, 'utf8')) as { code?: string; map?: SourceMapPayload };
        const source = entry.map?.sources?.[0];
        if (!entry.code || !entry.map || !source) continue;
        const transform = { code: entry.code.split('\n'), map: new SourceMap(entry.map), mtimeMs: statSync(path).mtimeMs };
        found.set(source, [...(found.get(source) ?? []), transform]);
      } catch {
        // Not a transform (tsx keeps other files there too), or one being written.
      }
    }
    return found;
  };

  return {
    lineOf(url, line, column, functionName) {
      if (!url.startsWith('file://') || !/\.[cm]?tsx?$/.test(url)) return null;
      bySource ??= load();
      const candidates = [...(bySource.get(fileURLToPath(url)) ?? [])].sort((a, b) => b.mtimeMs - a.mtimeMs);
      // A file edited since may have several transforms: the one whose code names the function where
      // the profile says it starts is the one that ran; else the newest.
      const ran =
        candidates.find((t) => functionName && t.code[line]?.slice(Math.max(0, column - 40), column + 40).includes(functionName)) ??
        candidates[0];
      const entry = ran?.map.findEntry(line, column);
      return entry && 'originalLine' in entry ? entry.originalLine + 1 : null;
    },
  };
}
