import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, connect as tcpConnect, type Server, type Socket as TcpSocket } from 'node:net';
import { SignJWT } from 'jose';
import { io as ioClient, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { Role } from '../../src/protocol';
import { serverArgs } from '../../scripts/server-node-flags.mjs';
import { deleteRedisKeys as deleteKeysUnder, localPostgresUrls, throwawayPostgres as throwawayDatabase } from '../helpers/throwaway-stores';

export const CLUSTER_JWT_SECRET = 'cluster-test-secret-0123456789-abcdefghij';
export const CLUSTER_ADMIN_TOKEN = 'cluster-admin-console-secret';
export const REDIS_URL = process.env.CLUSTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A key prefix for one test run; everything under it is deleted afterwards. */
export const redisPrefix = () => `classroom-test-${randomBytes(5).toString('hex')}:`;

/** Deletes every key under the prefix (and nothing else). */
export const deleteRedisKeys = (prefix: string) => deleteKeysUnder(REDIS_URL, prefix);

/** A fresh PostgreSQL database on the local server (migrated), dropped by `drop`. */
export const throwawayPostgres = () =>
  throwawayDatabase({
    adminUrls: process.env.STORAGE_TEST_PG_URL ? [process.env.STORAGE_TEST_PG_URL] : localPostgresUrls,
    prefix: 'classroom_cluster',
    purpose: 'to test against',
  });

export interface ServerNode {
  name: string;
  port: number;
  url: string;
  process: ChildProcess;
  /** What the node wrote to stderr (shown when a start fails). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string | null>;
  /** Sends a signal to the node's process group (the server and anything it started). */
  kill(signal: NodeJS.Signals): void;
}

const live = new Set<ServerNode>();
process.once('exit', () => {
  for (const node of live) node.kill('SIGKILL');
});

/**
 * Starts `apps/server/main.ts` under tsx as one process (`node --import tsx`, which is what `npx tsx`
 * ends up running: npm's wrapper neither forwards SIGTERM nor waits, and tsx's own wrapper SIGKILLs
 * a child that does not answer its signal relay within 30 ms on a busy machine), so signals reach
 * the server itself and the exit code seen here is the server's. Waits for GET /health.
 */
export async function startNode(name: string, env: Record<string, string>, { timeoutMs = 60_000 } = {}): Promise<ServerNode> {
  const port = Number(env.PORT);
  const child = spawn(process.execPath, [...serverArgs], {
    cwd: process.cwd(),
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const node: ServerNode = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => stderr,
    exited,
    kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
  live.add(node);
  void exited.then(() => live.delete(node));

  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline && !gone) {
    try {
      const res = await fetch(`${node.url}/health`);
      if (res.ok) return node;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  node.kill('SIGKILL');
  throw new Error(`node ${name} on port ${port} did not become healthy:\n${stderr}`);
}

/** Stops a node: SIGTERM (the graceful path), then SIGKILL if it takes too long. */
export async function stopNode(node: ServerNode, timeoutMs = 15_000): Promise<number | string | null> {
  node.kill('SIGTERM');
  const timer = setTimeout(() => node.kill('SIGKILL'), timeoutMs);
  try {
    return await node.exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface Cluster {
  nodes: ServerNode[];
  prefix: string;
  databaseUrl: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Two (or more) real server processes sharing one Redis (under a fresh prefix) and one fresh PostgreSQL. */
export async function startCluster(count = 2, env: Record<string, string> = {}): Promise<Cluster> {
  const prefix = redisPrefix();
  const database = await throwawayPostgres();
  const nodes: ServerNode[] = [];
  const shared = {
    JWT_SECRET: CLUSTER_JWT_SECRET,
    ADMIN_TOKEN: CLUSTER_ADMIN_TOKEN,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    DATABASE_URL: database.url,
    RECONNECT_GRACE_MS: '1000',
    RELOAD_GRACE_MS: '300',
    ...env,
  };
  const close = async () => {
    await Promise.all(nodes.map((n) => stopNode(n)));
    await database.drop();
    await deleteRedisKeys(prefix);
  };
  try {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    const started = await Promise.allSettled(
      ports.map((port, i) => startNode(String.fromCharCode(65 + i), { ...shared, PORT: String(port) })),
    );
    for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (err) {
    await close();
    throw err;
  }
  return { nodes, prefix, databaseUrl: database.url, env: shared, close };
}

let users = 0;
/** A join token signed with the cluster's secret. */
export function mint(role: Role, sessionId: string, name = `A ${role}`, userId = `${role}-${++users}-${randomBytes(2).toString('hex')}`) {
  return new SignJWT({ name, role, sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(CLUSTER_JWT_SECRET));
}

const clients = new Set<Socket>();

/** A websocket-only client (as the browser's), connected; no automatic reconnection unless asked. */
export function connectTo(
  url: string,
  token: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Socket> {
  const socket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token }, ...options });
  clients.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      socket.off('connect');
      socket.close();
      reject(err);
    });
  });
}

/** Closes every client this module handed out. */
export function closeClients(): void {
  for (const socket of clients) {
    socket.removeAllListeners();
    socket.io.opts.reconnection = false;
    socket.disconnect();
  }
  clients.clear();
}

/**
 * A tiny TCP load balancer: each connection goes to the first backend that accepts it, as a
 * balancer with health checks would once a node is gone.
 */
export async function startProxy(backends: number[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<TcpSocket>();
  const track = (s: TcpSocket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    const tryBackend = (i: number) => {
      if (i >= backends.length || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = tcpConnect({ host: '127.0.0.1', port: backends[i] });
      const refused = () => {
        upstream.destroy();
        tryBackend(i + 1);
      };
      upstream.once('error', refused);
      upstream.once('connect', () => {
        upstream.off('error', refused);
        track(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        client.once('close', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.resume();
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
