import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const server = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
const webRoot = fileURLToPath(new URL('./apps/web/', import.meta.url));

/** What is worth compressing: text the page loads (source maps only open in developer tools). */
const compressible = /\.(?:js|css|html|svg|json)$/;
const minBytes = 1024;

/**
 * Writes `.br` and `.gz` beside every built text file, once, at build time, so the server sends them
 * as they are (`preCompressed`) and spends no CPU per request: a student on a slow line loads the
 * app's script brotli-compressed, at under a third of its size.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'classroom:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      for (const name of readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
        if (!compressible.test(name)) continue;
        const file = join(outDir, name);
        const body = readFileSync(file);
        if (body.length < minBytes) continue;
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
        writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

/** The class page's head start (apps/web/class-head-start.ts): an entry of its own, loaded first. */
const headStart = 'class-head-start';

/**
 * Puts the head start's small script first in the page, as its own file: a module the page's HTML
 * names is bundled into the app's script, which the browser runs only once all of it is loaded and
 * compiled. The app imports the same module, so both share one instance.
 */
function headStartScript(): Plugin {
  return {
    name: 'classroom:head-start',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isEntry && c.name === headStart);
        if (ctx.bundle && !chunk) throw new Error(`the build has no ${headStart} entry`);
        const src = chunk ? `/${chunk.fileName}` : `/${headStart}.ts`;
        return [{ tag: 'script', attrs: { type: 'module', crossorigin: true, src }, injectTo: 'head-prepend' }];
      },
    },
  };
}

export default defineConfig({
  root: webRoot,
  plugins: [react(), tailwindcss(), headStartScript(), precompress()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: { input: { index: join(webRoot, 'index.html'), [headStart]: join(webRoot, `${headStart}.ts`) } },
  },
  server: {
    port: 5173,
    proxy: { '/api': server, '/health': server, '/socket.io': { target: server, ws: true } },
  },
});
