import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createRedisClassStore, type RedisClassStore } from '../classroom/redis-class-store';
import type { ClassroomServer } from '../transport/socket-classroom';
import { type Deliver, type LivenessTiming, newNodeId, startLiveness } from './liveness';

export interface RedisClusterOptions {
  url: string;
  /** Put before every key and pub/sub channel. */
  prefix: string;
  log: Logger;
  nodeId?: string;
  timing?: Partial<LivenessTiming>;
}

/** What a node needs to share its classes with the other nodes through one Redis. */
export interface RedisCluster {
  nodeId: string;
  store: RedisClassStore;
  /** Sends broadcasts, relays and evictions through Redis to every node (buildApp's `configureIo`). */
  configureIo(io: ClassroomServer): void;
  /** The heartbeat (written before this resolves: call it before listening) and the reaper. */
  start(app: { io: ClassroomServer; deliver: Deliver }): Promise<void>;
  /** Stops the heartbeat and the reaper (once the app has closed). */
  stop(): Promise<void>;
  /** Closes the Redis connections (after the app closed). */
  close(): Promise<void>;
}

/**
 * Opens three connections (commands, adapter publish, adapter subscribe) and checks Redis answers.
 * The adapter is the classic pub/sub one: see docs/scaling.md for why.
 */
export async function openRedisCluster({ url, prefix, log, nodeId = newNodeId(), timing }: RedisClusterOptions): Promise<RedisCluster> {
  const open = (role: string) => {
    const client = new Redis(url, { connectionName: `classroom:${nodeId}:${role}` });
    let failing = false;
    client.on('error', (err: Error) => {
      if (!failing) log.warn({ err, role }, 'Redis connection failed; retrying');
      failing = true;
    });
    client.on('ready', () => {
      if (failing) log.info({ role }, 'Redis connection back');
      failing = false;
    });
    return client;
  };
  const redis = open('commands');
  const pub = open('publish');
  const sub = open('subscribe');
  const clients = [redis, pub, sub];
  let closing = false;
  // The adapter publishes without waiting for the reply. A publish that fails (Redis away for long,
  // or a chat note stored just as the node stops) must not become an unhandled rejection that
  // takes the whole node down: it is logged, and that broadcast is lost.
  const publish = pub.publish.bind(pub) as (...args: unknown[]) => Promise<number>;
  let lastWarned = 0;
  pub.publish = ((...args: unknown[]) =>
    publish(...args).catch((err: Error) => {
      if (!closing && Date.now() - lastWarned > 10_000) {
        lastWarned = Date.now();
        log.warn({ err }, 'a broadcast could not be published to the other nodes');
      }
      return 0;
    })) as typeof pub.publish;
  const closeClients = async () => {
    closing = true;
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  };
  try {
    await Promise.all(clients.map((c) => withTimeout(c.ping(), 10_000, `Redis at ${redactUrl(url)} did not answer`)));
  } catch (err) {
    clients.forEach((c) => c.disconnect());
    throw err;
  }

  const store = createRedisClassStore({ redis, nodeId, prefix });
  let liveness: { stop(): Promise<void> } | undefined;
  log.info({ nodeId }, 'sharing classes with other nodes through Redis');

  return {
    nodeId,
    store,
    configureIo(io) {
      io.adapter(createAdapter(pub, sub, { key: `${prefix}socket.io` }));
    },
    async start({ io, deliver }) {
      liveness = await startLiveness({
        redis,
        store,
        prefix,
        deliver,
        log,
        timing,
        onLapsed: () => io.local.disconnectSockets(true),
      });
    },
    async stop() {
      await liveness?.stop();
    },
    async close() {
      // Commands still under way (a leave from a socket that dropped just before the stop) finish,
      // and what they deliver is published, before the connections go.
      await store.idle();
      await new Promise((resolve) => setImmediate(resolve));
      await closeClients();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const redactUrl = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');
