import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The page's bundle stays free of the schema library: zod costs every joining page tens of
 * milliseconds of a busy core to load and build its schemas, and the page never parses with it
 * (the server validates every inbound event; the browser imports only types, limits and rules).
 * Walks the runtime imports (not `import type`) from the page's entry, as the bundler would.
 */
const root = resolve(import.meta.dirname, '../..');
const entry = join(root, 'apps/web/main.tsx');

function runtimeImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(pattern)) {
    const typeOnly = m[2] !== undefined || /^\s*(import|export)\s*\{\s*(type\s+[\w$]+\s*(,\s*)?)+\}/.test(m[0]);
    if (!typeOnly) specifiers.push(m[3]);
  }
  return specifiers;
}

function resolveLocal(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && /\.tsx?$/.test(candidate)) return candidate;
  }
  return null;
}

function pageModules(): { files: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
        continue;
      }
      const local = resolveLocal(file, specifier);
      if (local) queue.push(local);
    }
  }
  return { files: [...seen].map((f) => f.slice(root.length + 1)), packages };
}

describe('the page bundle', () => {
  it('follows runtime imports, not type imports', () => {
    expect(runtimeImports(`import type { A } from './a';\nimport { type B } from './b';\nimport { c, type D } from './c';\nimport './d.css';`)).toEqual(['./c', './d.css']);
  });

  it('reaches the class page, the session client and its media', () => {
    const { files, packages } = pageModules();
    expect(files).toEqual(expect.arrayContaining(['apps/web/pages/ClassPage.tsx', 'src/client/session-client.ts', 'src/client/media/peer-mesh.ts', 'src/client/media/sfu-links.ts']));
    expect([...packages]).toEqual(expect.arrayContaining(['react', 'socket.io-client', 'simple-peer', 'zustand']));
  });

  it('does not load zod or the protocol schemas', () => {
    const { files, packages } = pageModules();
    expect(packages.has('zod')).toBe(false);
    expect(files.filter((f) => /^src\/protocol\/(index|schemas|events|sfu|errors)\.ts$/.test(f))).toEqual([]);
  });
});
