// `npm run janus [-- --port N]`: Janus with the project's config in the foreground, for development.
// Prints JANUS_URL=... once the API answers; Ctrl-C or SIGTERM stops Janus, and this exits with it.
import { JanusStartError, startJanus } from './janus-process.mjs';

function portFromArgs(argv) {
  const at = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const raw = at < 0 ? process.env.JANUS_PORT : argv[at].includes('=') ? argv[at].split('=')[1] : argv[at + 1];
  if (raw === undefined || raw === '') return 8088;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    process.stderr.write(`not a port: ${raw}\nusage: node scripts/janus.mjs [--port N]   (or JANUS_PORT=N)\n`);
    process.exit(2);
  }
  return port;
}

let janus;
try {
  janus = await startJanus({ port: portFromArgs(process.argv.slice(2)), output: 'inherit' });
} catch (err) {
  process.stderr.write(`${err instanceof JanusStartError ? err.message : err}\n`);
  process.exit(1);
}

process.stdout.write(`JANUS_URL=${janus.url}\n`);
// A terminal's Ctrl-C reaches Janus too (same process group); a second signal is harmless to it.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => void janus.stop());
const code = await janus.exited;
await janus.stop();
process.exit(code ?? 1);
