import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sourceLines } from '../../bench/lib/source-lines';

const folders: string[] = [];
afterEach(() => {
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

/** A cache folder as tsx leaves it: one JSON file per transform, `{ code, map }`. */
function cacheWith(entries: Array<{ name: string; code: string; source: string; mappings: string; ageS: number }>) {
  const folder = mkdtempSync(join(tmpdir(), 'source-lines-'));
  folders.push(folder);
  const now = Date.now() / 1000;
  for (const e of entries) {
    const path = join(folder, e.name);
    writeFileSync(path, JSON.stringify({ code: e.code, map: { version: 3, sources: [e.source], names: [], mappings: e.mappings } }));
    utimesSync(path, now - e.ageS, now - e.ageS);
  }
  writeFileSync(join(folder, 'not-a-transform'), 'tsx keeps other files here too');
  return folder;
}

const source = '/app/src/server/rules.ts';
const url = pathToFileURL(source).href;
// One generated line; "AAEA" maps its start to line 3 of the source (0-based 2), "AAIA" to line 5.
const ran = { name: 'a', code: 'var x=1;function join(){}', source, mappings: 'AAEA', ageS: 60 };
const edited = { name: 'b', code: 'var x=1;function leave(){}', source, mappings: 'AAIA', ageS: 1 };

describe("a profile's lines under tsx", () => {
  it("gives the line in the source file from tsx's cached source map", () => {
    const lines = sourceLines(cacheWith([ran]));
    expect(lines.lineOf(url, 0, 17, 'join')).toBe(3);
  });

  it('takes the transform whose code names the function where the profile says it is, not the newest', () => {
    const lines = sourceLines(cacheWith([ran, edited]));
    expect(lines.lineOf(url, 0, 17, 'join')).toBe(3);
    expect(lines.lineOf(url, 0, 17, 'leave')).toBe(5);
    // An anonymous function: the newest transform.
    expect(lines.lineOf(url, 0, 17, '')).toBe(5);
  });

  it('says nothing for what tsx did not transform, or with no cache at all', () => {
    const lines = sourceLines(cacheWith([ran]));
    expect(lines.lineOf('node:internal/modules/esm/hooks', 0, 5, 'x')).toBeNull();
    expect(lines.lineOf(pathToFileURL('/app/node_modules/pkg/index.js').href, 0, 5, 'x')).toBeNull();
    expect(lines.lineOf(pathToFileURL('/app/src/other.ts').href, 0, 5, 'x')).toBeNull();
    expect(sourceLines(join(tmpdir(), 'no-such-folder-for-source-lines')).lineOf(url, 0, 17, 'join')).toBeNull();
  });
});
