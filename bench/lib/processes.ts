import { type ChildProcess, fork, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { setPriority } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serverNodeFlags } from '../../scripts/server-node-flags.mjs';
import { sleep } from './stats';

/**
 * Every process the bench starts (servers, the floor, load generators, the browser driver) is
 * registered here and runs in its own process group, so it can be stopped with everything it
 * started, on success, on failure, on Ctrl-C, and as a last resort when the bench exits.
 */

export const root = resolve(import.meta.dirname, '../..');
/**
 * The checkout whose server is measured: this one, or BENCH_APP_ROOT (another checkout or a
 * snapshot, with its own node_modules) to compare two versions with the same bench.
 */
export const appRoot = process.env.BENCH_APP_ROOT ? resolve(process.env.BENCH_APP_ROOT) : root;
const probeModule = pathToFileURL(resolve(root, 'bench/server-probe.mjs')).href;

interface Tracked {
  name: string;
  child: ChildProcess;
}

const tracked = new Set<Tracked>();

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

function signalGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (!child.pid || !alive(child)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Gone already.
    }
  }
}

process.once('exit', () => {
  for (const t of tracked) signalGroup(t.child, 'SIGKILL');
});

function track(name: string, child: ChildProcess): Tracked {
  const t = { name, child };
  tracked.add(t);
  child.once('exit', () => tracked.delete(t));
  return t;
}

/** Stops one process group: `signal` first, SIGKILL when it has not exited within `graceMs`. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 8000): Promise<void> {
  if (!alive(child)) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  signalGroup(child, signal);
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Whatever the process left behind in its group (a browser) goes too.
  if (child.pid) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Nothing left.
    }
  }
}

/** Stops every process still running (used when a scenario fails and when the bench ends). */
export async function stopAll(): Promise<void> {
  await Promise.all([...tracked].map((t) => stopProcess(t.child, 'SIGTERM', 5000)));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface ServerStats {
  /** Event-loop delay since the last reset, in ms. */
  eld: { p50: number; p99: number; max: number; mean: number };
  heapUsed: number;
  rss: number;
  /** CPU time used since the last reset, in ms (user + system). */
  cpuMs: number;
  /**
   * The same for the event loop's thread and for each other thread (largest first), when asked for
   * with `threads` both at the last reset and now; null otherwise or where /proc is not there to read.
   */
  threadCpuMs: { main: number; others: number[] } | null;
  /** Wall time since the last reset, in ms. */
  wallMs: number;
  /** Garbage-collection pauses since the last reset. */
  gc: { count: number; maxMs: number; totalMs: number };
}

export interface ServerHandle {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Event-loop delay, heap and CPU of the server process, read over IPC by the probe module. */
  /** `threads`: also split the CPU by thread (read from /proc, so only where a window asks for it). */
  stats(options?: { gc?: boolean; reset?: boolean; threads?: boolean }): Promise<ServerStats>;
  stop(): Promise<void>;
  output(): string;
}

const liveServers = new Set<ServerHandle>();

/**
 * Waits until every server the bench has running is idle (under 5% of a core over 300 ms), at most
 * `maxMs`: the sockets a measurement closed leave the class one by one (each stored and broadcast),
 * and that work must not spill into the next measurement. Returns how long it waited.
 */
export async function settleServers(maxMs = 15_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const servers = [...liveServers].filter((s) => alive(s.child));
    await Promise.all(servers.map((s) => s.stats({ reset: true }).catch(() => undefined)));
    await sleep(300);
    const busy = await Promise.all(servers.map((s) => s.stats({ reset: true }).then((st) => st.cpuMs / st.wallMs, () => 0)));
    if (busy.every((b) => b < 0.05) || Date.now() - t0 > maxMs) return Date.now() - t0;
  }
}

export interface StartServerOptions {
  name: string;
  /** `apps/server/main.ts` (the classroom) or `bench/floor-server.ts`. */
  script: string;
  env?: Record<string, string>;
  /** Write a V8 CPU profile of the process into this folder (on a graceful stop). */
  profileDir?: string;
  timeoutMs?: number;
  /** The working directory (the checkout the script is in); the bench's own root by default. */
  cwd?: string;
}

/**
 * Starts a server as its own process: `node <server flags> --import <probe> --import tsx <script>`, with the
 * event-loop/heap probe preloaded, and waits for GET /health.
 */
export async function startServer(options: StartServerOptions): Promise<ServerHandle> {
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  // The flags `npm start` gives the classroom, for every server here: the floor runs on the same Node.
  const execArgv = ['--expose-gc', ...serverNodeFlags];
  if (options.profileDir) {
    // One folder per server: V8 writes one profile per thread (the main thread's is the largest).
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}/${options.name}-${Date.now()}`);
  }
  execArgv.push('--import', probeModule, '--import', 'tsx');
  const child = spawn(process.execPath, [...execArgv, options.script], {
    cwd: options.cwd ?? root,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  track(options.name, child);
  child.on('error', () => undefined);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let nextId = 1;
  const pending = new Map<number, (s: ServerStats) => void>();
  child.on('message', (m: { bench?: string; id?: number } & ServerStats) => {
    if (m?.bench !== 'stats' || m.id === undefined) return;
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });

  const url = `http://127.0.0.1:${port}`;
  const handle: ServerHandle = {
    name: options.name,
    port,
    url,
    child,
    stats({ gc = false, reset = false, threads = false } = {}) {
      const id = nextId++;
      return new Promise<ServerStats>((resolveStats, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${options.name}: no stats within 30 s`));
        }, 30_000);
        pending.set(id, (s) => {
          clearTimeout(timer);
          resolveStats(s);
        });
        if (!child.connected) {
          clearTimeout(timer);
          pending.delete(id);
          reject(new Error(`${options.name} is gone`));
          return;
        }
        child.send({ bench: 'stats', id, gc, reset, threads }, (err) => {
          if (!err) return;
          clearTimeout(timer);
          pending.delete(id);
          reject(err);
        });
      });
    },
    stop: () => stopProcess(child, 'SIGTERM', 15_000),
    output: () => output,
  };

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (!alive(child)) throw new Error(`${options.name} exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      liveServers.add(handle);
      child.once('exit', () => liveServers.delete(handle));
      return handle;
    }
    await sleep(150);
  }
  await handle.stop();
  throw new Error(`${options.name} did not become healthy within ${options.timeoutMs ?? 60_000} ms:\n${output}`);
}

export interface Generator {
  name: string;
  child: ChildProcess;
  /** Runs a command in the generator and resolves with its result. */
  call<T>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  /** Asks it to close its sockets and exit; kills it if it does not. */
  stop(): Promise<void>;
}

/**
 * Starts a load generator (a module under bench/load that calls `serve`), a process of its own.
 * It exits by itself at `deadlineMs` whatever happens, and when the bench goes away.
 */
export interface GeneratorOptions {
  deadlineMs: number;
  /**
   * Lower CPU priority (`nice`, 1–19) for a generator that only stands in for other people's
   * browsers: on a small machine its work competes with the server's and the measuring client's,
   * which real classmates, on machines of their own, do not.
   */
  background?: number;
}

export async function startGenerator(name: string, file: string, { deadlineMs, background }: GeneratorOptions): Promise<Generator> {
  const child = fork(resolve(root, file), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_DEADLINE_MS: String(deadlineMs), BENCH_GENERATOR_NAME: name },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  track(name, child);
  if (background && child.pid) setPriority(child.pid, background);
  // A send on a channel that just closed is reported here and in the call's callback, not thrown.
  child.on('error', () => undefined);
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`generator ${name} exited (${code ?? signal})`));
    pending.clear();
  });
  const ready = new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`generator ${name} did not start within 30 s`)), 30_000);
    child.on('message', (m: { type?: string; id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolveReady();
        return;
      }
      if (m?.id === undefined) return;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(`${name}: ${m.error}`));
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`generator ${name} exited before it was ready`));
    });
  });
  await ready;
  return {
    name,
    child,
    call<T>(cmd: string, args?: unknown, timeoutMs = 300_000) {
      const id = nextId++;
      return new Promise<T>((resolveCall, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${name}: "${cmd}" took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolveCall(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        const failed = (err: Error | null) => {
          if (!err) return;
          pending.delete(id);
          clearTimeout(timer);
          reject(new Error(`${name}: "${cmd}" not sent: ${err.message}`));
        };
        if (!child.connected) failed(new Error('the generator is gone'));
        else child.send({ id, cmd, args }, failed);
      });
    },
    async stop() {
      if (!alive(child)) return;
      // Disconnecting the channel tells the generator to close its sockets politely and exit.
      try {
        child.disconnect();
      } catch {
        // Already disconnected.
      }
      const timer = setTimeout(() => signalGroup(child, 'SIGTERM'), 10_000);
      const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      clearTimeout(kill);
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Nothing left in its group.
        }
      }
    },
  };
}
