import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import * as rules from '../classroom/class-state';
import { ClassroomError } from '../classroom/errors';
import type { RedisClassStore } from '../classroom/redis-class-store';

/** One id per process: a restarted node is a new node, and its old sockets are the reaper's. */
export const newNodeId = () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;

export type Deliver = (res: rules.CommandResult<unknown>) => void;

export interface LivenessTiming {
  /** How often a node renews its heartbeat. */
  heartbeatMs: number;
  /** How long a heartbeat lasts: a node silent this long counts as gone. */
  nodeTtlMs: number;
  /** How often every node looks for participants of gone nodes. */
  reapEveryMs: number;
}

/** A node killed outright leaves the classes within nodeTtlMs + reapEveryMs (about 12 s). */
export const defaultLiveness: LivenessTiming = { heartbeatMs: 2_000, nodeTtlMs: 10_000, reapEveryMs: 2_500 };

export const heartbeatKey = (prefix: string, nodeId: string) => `${prefix}node:${nodeId}`;

export interface LivenessOptions {
  redis: Redis;
  store: RedisClassStore;
  prefix: string;
  /** Emits a command's events through the adapter, so clients on every node hear of it. */
  deliver: Deliver;
  log: Logger;
  timing?: Partial<LivenessTiming>;
  /**
   * Our own heartbeat had lapsed (a long pause, Redis lost its data): other nodes may have reaped
   * our participants, so our clients should reconnect and join again.
   */
  onLapsed?: () => void;
}

/**
 * Removes participants whose node is gone, through the class rules (`leave`), and delivers what
 * that says (user-left, the chat note). Every node runs it; a participant is removed once.
 * Returns how many participants this call removed.
 */
export async function reapOnce({ redis, store, prefix, deliver, log }: Omit<LivenessOptions, 'timing' | 'onLapsed'>): Promise<number> {
  const owners = (await store.owners()).filter((o) => o.nodeId !== store.nodeId);
  const nodes = [...new Set(owners.map((o) => o.nodeId))];
  if (nodes.length === 0) return 0;
  const pipeline = redis.pipeline();
  for (const node of nodes) pipeline.exists(heartbeatKey(prefix, node));
  const replies = (await pipeline.exec()) ?? [];
  const gone = new Set(nodes.filter((_, i) => replies[i]?.[0] === null && replies[i]?.[1] === 0));
  let removed = 0;
  for (const { sessionId, socketId, nodeId } of owners) {
    if (!gone.has(nodeId)) continue;
    try {
      deliver(await store.apply(sessionId, (s) => rules.leave(s, socketId)));
      removed += 1;
      log.info({ classId: sessionId, socketId, nodeId }, 'removed a participant of a node that is gone');
    } catch (err) {
      // Another node removed it first, or it joined again elsewhere.
      if (!(err instanceof ClassroomError)) throw err;
    }
  }
  return removed;
}

/**
 * This node's heartbeat (a key with a TTL, renewed well before it runs out) and the reaper.
 * Resolves once the first heartbeat is written: start it before taking connections, or another
 * node could take this one's first participants for a dead node's.
 */
export async function startLiveness(options: LivenessOptions): Promise<{ stop(): Promise<void> }> {
  const { redis, store, prefix, log, onLapsed } = options;
  const timing = { ...defaultLiveness, ...options.timing };
  const key = heartbeatKey(prefix, store.nodeId);
  let stopped = false;
  const running = new Set<Promise<unknown>>();

  const beat = async (first: boolean) => {
    const previous = await redis.set(key, String(Date.now()), 'PX', timing.nodeTtlMs, 'GET');
    if (!first && previous === null) {
      log.warn({ nodeId: store.nodeId }, 'this node’s heartbeat had lapsed; asking its clients to join again');
      onLapsed?.();
    }
  };
  await beat(true);

  const every = (ms: number, task: () => Promise<unknown>, what: string) => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      if (stopped) return;
      const run = task()
        .catch((err) => log.error({ err }, `${what} failed`))
        .finally(() => {
          running.delete(run);
          if (!stopped) timer = setTimeout(tick, ms);
        });
      running.add(run);
    };
    // Spread the nodes' reapers over the interval.
    timer = setTimeout(tick, what === 'reaping' ? Math.random() * ms : ms);
    return () => clearTimeout(timer);
  };
  const stopBeat = every(timing.heartbeatMs, () => beat(false), 'heartbeat');
  const stopReap = every(timing.reapEveryMs, () => reapOnce(options), 'reaping');

  return {
    /**
     * Stops both. The heartbeat key is left to run out: until then the class holds this node's
     * participants for them to come back through another node (their join replaces the old slot).
     */
    async stop() {
      stopped = true;
      stopBeat();
      stopReap();
      await Promise.all(running);
    },
  };
}
