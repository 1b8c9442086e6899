// Janus with the project's config (janus/), in the foreground, for development and tests.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const configDir = fileURLToPath(new URL('../janus/', import.meta.url));
const installHint = 'run: apt-get install -y janus';
const outputKept = 64 * 1024;

/** Janus could not be started (not installed, port taken, bad config, no answer in time). */
export class JanusStartError extends Error {
  /** @param {string} message @param {string} output */
  constructor(message, output = '') {
    super(output ? `${message}\n--- janus output (last lines) ---\n${output.slice(-4000)}` : message);
    this.name = 'JanusStartError';
    this.output = output;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The HTTP port lives in a config file: a private copy of the folder carries the one asked for. */
function prepareConfig(port) {
  const dir = mkdtempSync(join(tmpdir(), 'classroom-janus-'));
  cpSync(configDir, dir, { recursive: true });
  const http = join(dir, 'janus.transport.http.jcfg');
  const text = readFileSync(http, 'utf8');
  const replaced = text.replace(/^(\s*port\s*=\s*)\d+/m, `$1${port}`);
  if (replaced === text && !new RegExp(`^\\s*port\\s*=\\s*${port}\\b`, 'm').test(text)) {
    rmSync(dir, { recursive: true, force: true });
    throw new JanusStartError(`no "port = N" line in ${http} to set the port in`);
  }
  writeFileSync(http, replaced);
  return dir;
}

/** GET /janus/info, or null while nothing (or something else) answers. */
async function info(url) {
  try {
    const res = await fetch(`${url}/info`, { signal: AbortSignal.timeout(1000) });
    if (!res.ok) return null;
    return await res.json();
  } catch {
    return null;
  }
}

/**
 * Starts Janus on 127.0.0.1:`port` and resolves once its HTTP API answers.
 *
 * @param {{ port?: number, sessionTimeout?: number, output?: 'inherit' | 'buffer', startTimeoutMs?: number }} [options]
 *   `sessionTimeout` (seconds) overrides the config's for tests; `output: 'inherit'` passes Janus's
 *   log through, 'buffer' (the default) keeps its tail for error messages.
 * @returns {Promise<{ url: string, pid: number, output: () => string, exited: Promise<number | null>, stop: () => Promise<void> }>}
 */
export async function startJanus({ port = 8088, sessionTimeout, output = 'buffer', startTimeoutMs = 10_000 } = {}) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new JanusStartError(`not a port: ${port}`);
  const dir = prepareConfig(port);
  const url = `http://127.0.0.1:${port}/janus`;
  // Another server already on the port would answer /info too: our Janus is the one with this name.
  const serverName = `classroom-${randomBytes(6).toString('hex')}`;
  const args = ['-F', dir, '-C', join(dir, 'janus.jcfg'), '-n', serverName, '-o', '-D'];
  if (sessionTimeout !== undefined) args.push('-s', String(sessionTimeout));

  let tail = '';
  const child = spawn('janus', args, { stdio: ['ignore', output === 'inherit' ? 'inherit' : 'pipe', output === 'inherit' ? 'inherit' : 'pipe'] });
  const keep = (chunk) => {
    tail = (tail + chunk.toString()).slice(-outputKept);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let exitCode;
  let notInstalled = false;
  const exited = new Promise((resolve) => {
    child.once('error', (err) => {
      exitCode = null;
      if (err.code === 'ENOENT') notInstalled = true;
      else keep(`${err.message}\n`);
      resolve(null);
    });
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 1 : 0);
      resolve(exitCode);
    });
  });
  const removeConfig = () => rmSync(dir, { recursive: true, force: true });
  exited.then(removeConfig);
  // Node exiting without stop() (a test worker torn down, an uncaught error) must not leave Janus running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  exited.then(() => process.removeListener('exit', killOnExit));

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const forced = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(forced);
      }
      removeConfig();
    })();
    return stopping;
  };

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exitCode !== undefined) {
      await stop();
      if (notInstalled) throw new JanusStartError(`janus is not installed: ${installHint}`);
      throw new JanusStartError(`janus exited (code ${exitCode}) before answering on ${url}`, tail);
    }
    const answer = await info(url);
    if (answer && answer['server-name'] === serverName) {
      const plugins = Object.keys(answer.plugins ?? {});
      if (plugins.length !== 1 || plugins[0] !== 'janus.plugin.videoroom') {
        await stop();
        throw new JanusStartError(`janus loaded plugins ${plugins.join(', ')}: only janus.plugin.videoroom is allowed (see janus/janus.jcfg)`, tail);
      }
      return { url, pid: child.pid, output: () => tail, exited, stop };
    }
    if (answer || Date.now() > deadline) {
      await stop();
      const why = answer ? `another server answers on ${url}` : `janus did not answer on ${url} within ${startTimeoutMs} ms`;
      throw new JanusStartError(why, tail);
    }
    await sleep(100);
  }
}
