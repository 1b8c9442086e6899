import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHashedAsset } from '../../src/server/app';
import { startTestServer, type TestServer } from '../helpers/server';

/** A built web app as `vite build` leaves it: a page, a hashed script with its .br and .gz. */
const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
const page = '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/index-AbCd12_-.js"></script></body></html>';
let dist: string;
let server: TestServer;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'classroom-web-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), page);
  const file = join(dist, 'assets', 'index-AbCd12_-.js');
  writeFileSync(file, script);
  writeFileSync(`${file}.gz`, gzipSync(script));
  writeFileSync(`${file}.br`, brotliCompressSync(script));
  server = await startTestServer({ webDist: dist });
});
afterAll(async () => {
  await server?.close();
  rmSync(dist, { recursive: true, force: true });
});

const get = (url: string, encoding?: string) =>
  server.app.inject({ method: 'GET', url, headers: encoding ? { 'accept-encoding': encoding } : {} });

describe('the web app', () => {
  it('sends a built script compressed as built (gzip, or brotli when asked), kept for good by the browser', async () => {
    const gz = await get('/assets/index-AbCd12_-.js', 'gzip, deflate');
    expect(gz.statusCode).toBe(200);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['content-type']).toMatch(/javascript/);
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gz.headers.vary).toMatch(/accept-encoding/i);
    expect(gunzipSync(gz.rawPayload).toString()).toBe(script);

    const br = await get('/assets/index-AbCd12_-.js', 'br, gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(script);
  });

  it('sends it as it is to a client that takes no compression', async () => {
    const plain = await get('/assets/index-AbCd12_-.js');
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
  });

  it('sends the page for every page address, to be checked again at each load (a new build reaches everyone)', async () => {
    for (const url of ['/', '/session/class-a?token=x', '/join/class-a?invite=y']) {
      const res = await get(url, 'gzip');
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body, url).toBe(page);
    }
  });

  it('tells a hashed build asset from the rest', () => {
    expect(isHashedAsset('/srv/dist/web/assets/index-BFzi3QYm.js')).toBe(true);
    expect(isHashedAsset('/srv/dist/web/assets/index-Bkmo3fiA.css.br')).toBe(true);
    expect(isHashedAsset('/srv/dist/web/index.html')).toBe(false);
    expect(isHashedAsset('/srv/dist/web/assets/logo.svg')).toBe(false);
  });
});
