import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type ClassState, type CommandResult, emptyClass, isForgettable } from './class-state';
import type { ClassStore } from './class-store';

/** A participant's socket and the server node that holds its connection. */
export interface SocketOwner {
  sessionId: string;
  socketId: string;
  nodeId: string;
}

/** A ClassStore several server nodes share; it also records which node holds each participant's socket. */
export interface RedisClassStore extends ClassStore {
  readonly nodeId: string;
  /** Every participant's socket with its node, across the classes in the store. */
  owners(): Promise<SocketOwner[]>;
  /** Resolves once no command of this node is under way (before its connection closes). */
  idle(): Promise<void>;
}

export interface RedisClassStoreOptions {
  /** A command connection (not one in subscriber mode). */
  redis: Redis;
  /** This process. A join applied here makes this node the owner of the joining socket. */
  nodeId: string;
  /** Put before every key, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  /** How long a class nobody is in but with something decided (a removal, a lock) is kept. */
  idleTtlSeconds?: number;
  /** Tries of one command against concurrent writers before giving up. */
  maxAttempts?: number;
}

/** Too many other nodes wrote the same class at the same moment, every try. */
export class StoreContentionError extends Error {
  constructor(sessionId: string, attempts: number) {
    super(`class ${sessionId}: state changed under every one of ${attempts} tries`);
    this.name = 'StoreContentionError';
  }
}

/**
 * Writes a command's outcome only if the class is still the version the command was computed from
 * (compare-and-set), and keeps the socket owners and the class index in step, all in one step.
 * KEYS: class hash { v, s }, owners hash { socketId: nodeId }, class index set.
 * ARGV: expected version ('' = no class yet), new version, new state ('' = forget the class), class id,
 * node id, idle TTL in seconds (0 = someone is in the class), count of sockets added, the added ones,
 * then the removed ones.
 */
const commitScript = `
local current = redis.call('HGET', KEYS[1], 'v') or ''
if current ~= ARGV[1] then return 0 end
local added = tonumber(ARGV[7])
for i = 8, 7 + added do redis.call('HSET', KEYS[2], ARGV[i], ARGV[5]) end
for i = 8 + added, #ARGV do redis.call('HDEL', KEYS[2], ARGV[i]) end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SREM', KEYS[3], ARGV[4])
  return 1
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[4])
local ttl = tonumber(ARGV[6])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
return 1
`;

/** Drops a class from the index once its key is gone (it idled out); never one that came back. */
const pruneScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
`;

interface ScriptedRedis {
  classroomCommit(...args: string[]): Promise<number>;
  classroomPrune(classKey: string, indexKey: string, sessionId: string): Promise<number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Class state in Redis, for several nodes serving the same classes.
 *
 * Each command is optimistic: read the class and its version, run the pure command, and commit with
 * a compare-and-set script; when another node wrote in between, run the command again on the new
 * state (with a short random backoff). A raised hand or a mute is never lost to a concurrent write.
 * Commands for one class from this node run one after another, so only other nodes contend.
 */
export function createRedisClassStore({
  redis,
  nodeId,
  prefix = 'classroom:',
  idleTtlSeconds = 24 * 60 * 60,
  maxAttempts = 100,
}: RedisClassStoreOptions): RedisClassStore {
  // Hash tags keep a class's two keys in one slot.
  const classKey = (id: string) => `${prefix}class:{${id}}`;
  const ownersKey = (id: string) => `${prefix}owners:{${id}}`;
  const indexKey = `${prefix}classes`;

  redis.defineCommand('classroomCommit', { numberOfKeys: 3, lua: commitScript });
  redis.defineCommand('classroomPrune', { numberOfKeys: 2, lua: pruneScript });
  const scripts = redis as unknown as ScriptedRedis;

  const parse = (sessionId: string, raw: string | null | undefined): ClassState =>
    raw ? (JSON.parse(raw) as ClassState) : emptyClass(sessionId);

  /** This node's commands per class, one at a time. */
  const queues = new Map<string, Promise<unknown>>();
  function serially<T>(sessionId: string, run: () => Promise<T>): Promise<T> {
    const before = queues.get(sessionId) ?? Promise.resolve();
    const mine = before.then(run);
    const tail = mine.catch(() => undefined);
    queues.set(sessionId, tail);
    void tail.then(() => {
      if (queues.get(sessionId) === tail) queues.delete(sessionId);
    });
    return mine;
  }

  const pending = new Set<Promise<unknown>>();
  function track<T>(promise: Promise<T>): Promise<T> {
    pending.add(promise);
    const done = () => pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  async function attempt<T>(
    sessionId: string,
    command: (state: ClassState) => CommandResult<T>,
  ): Promise<CommandResult<T> | null> {
    const [version, raw] = await redis.hmget(classKey(sessionId), 'v', 's');
    const before = parse(sessionId, raw);
    const res = command(before);
    // Nothing changed: the outcome holds as of the read.
    if (res.state === before) return res;
    const had = new Set(before.participants.map((p) => p.socketId));
    const has = new Set(res.state.participants.map((p) => p.socketId));
    const added = [...has].filter((id) => !had.has(id));
    const removed = [...had].filter((id) => !has.has(id));
    const forget = isForgettable(res.state);
    const committed = await scripts.classroomCommit(
      classKey(sessionId),
      ownersKey(sessionId),
      indexKey,
      version ?? '',
      randomBytes(8).toString('hex'),
      forget ? '' : JSON.stringify(res.state),
      sessionId,
      nodeId,
      String(res.state.participants.length === 0 ? idleTtlSeconds : 0),
      String(added.length),
      ...added,
      ...removed,
    );
    return committed === 1 ? res : null;
  }

  async function liveClassIds(): Promise<string[]> {
    return redis.smembers(indexKey);
  }

  return {
    nodeId,

    async read(sessionId) {
      return parse(sessionId, await redis.hget(classKey(sessionId), 's'));
    },

    apply(sessionId, command) {
      return track(serially(sessionId, async () => {
        for (let tries = 1; tries <= maxAttempts; tries += 1) {
          const res = await attempt(sessionId, command);
          if (res) return res;
          await sleep(Math.random() * Math.min(20, 2 ** tries));
        }
        throw new StoreContentionError(sessionId, maxAttempts);
      }));
    },

    async idle() {
      while (pending.size) await Promise.allSettled([...pending]);
    },

    async list() {
      const ids = await liveClassIds();
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hget(classKey(id), 's');
      const replies = (await pipeline.exec()) ?? [];
      const states: ClassState[] = [];
      for (const [i, id] of ids.entries()) {
        const [err, raw] = replies[i] ?? [];
        if (err) throw err;
        if (raw) states.push(parse(id, raw as string));
        else await scripts.classroomPrune(classKey(id), indexKey, id);
      }
      return states.filter((s) => s.participants.length > 0);
    },

    async owners() {
      const ids = await liveClassIds();
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(ownersKey(id));
      const replies = (await pipeline.exec()) ?? [];
      return ids.flatMap((sessionId, i) => {
        const [err, owners] = replies[i] ?? [];
        if (err) throw err;
        return Object.entries((owners ?? {}) as Record<string, string>).map(([socketId, owner]) => ({
          sessionId,
          socketId,
          nodeId: owner,
        }));
      });
    },
  };
}
