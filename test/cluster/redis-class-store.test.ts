import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/protocol';
import * as rules from '../../src/server/classroom/class-state';
import type { Identity } from '../../src/server/classroom/identity';
import { createRedisClassStore, type RedisClassStore } from '../../src/server/classroom/redis-class-store';
import { type Deliver, heartbeatKey, reapOnce, startLiveness } from '../../src/server/cluster/liveness';
import { deleteRedisKeys, REDIS_URL, redisPrefix, sleep } from './support';

const log = pino({ level: 'silent' });
const prefix = redisPrefix();
const connections: Redis[] = [];
let admin: Redis;
let classCounter = 0;

/** One "node": its own connection and store. */
function node(nodeId: string, options: { idleTtlSeconds?: number } = {}): RedisClassStore {
  const redis = new Redis(REDIS_URL);
  connections.push(redis);
  return createRedisClassStore({ redis, nodeId, prefix, ...options });
}

const who = (role: Role, userId: string, sessionId: string): Identity => ({ userId, name: `${role} ${userId}`, role, sessionId });

const join = (store: RedisClassStore, sessionId: string, role: Role, userId: string, socketId = `sock-${userId}`) =>
  store.apply(sessionId, (s) => rules.join(s, who(role, userId, sessionId), socketId, { sessionId }, Date.now()));

const keysOf = async (sessionId: string) => (await admin.keys(`${prefix}*{${sessionId}}`)).sort();
const ownersOf = (sessionId: string) => admin.hgetall(`${prefix}owners:{${sessionId}}`);
const nextClass = () => `class-${++classCounter}`;

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});

afterEach(async () => {
  await deleteRedisKeys(prefix);
});

afterAll(async () => {
  await Promise.all([admin, ...connections].map((c) => c.quit()));
  await deleteRedisKeys(prefix);
});

describe('Redis class store', () => {
  it('reads an unknown class as empty, and one node reads what another wrote', async () => {
    const a = node('node-a');
    const b = node('node-b');
    const id = nextClass();
    expect(await b.read(id)).toEqual(rules.emptyClass(id));
    const joined = await join(a, id, 'tutor', 't1');
    expect(joined.events.map((e) => e.event)).toEqual(['user-joined']);
    const seen = await b.read(id);
    expect(seen.participants).toEqual([joined.value]);
    expect(seen).toEqual(joined.state);
  });

  it('a refused command changes nothing and writes nothing', async () => {
    const a = node('node-a');
    const id = nextClass();
    await join(a, id, 'student', 's1');
    const before = await admin.hgetall(`${prefix}class:{${id}}`);
    await expect(a.apply(id, (s) => rules.muteAll(s, 'sock-s1'))).rejects.toMatchObject({ code: 'forbidden' });
    expect(await admin.hgetall(`${prefix}class:{${id}}`)).toEqual(before);
  });

  it('two nodes raising hands and muting at the same time lose nothing', async () => {
    const a = node('node-a');
    const b = node('node-b');
    const id = nextClass();
    await join(a, id, 'tutor', 'tutor');
    const students = Array.from({ length: 40 }, (_, i) => `s${i}`);
    // Half the students on each node.
    await Promise.all(students.map((u, i) => join(i % 2 ? b : a, id, 'student', u)));
    expect((await a.read(id)).participants).toHaveLength(41);

    await Promise.all([
      ...students.map((u, i) => (i % 2 ? b : a).apply(id, (s) => rules.raiseHand(s, `sock-${u}`, Date.now()))),
      // The tutor mutes every student one by one from the other node, interleaved with the hands.
      ...students.map((u, i) => (i % 2 ? a : b).apply(id, (s) => rules.muteParticipant(s, 'sock-tutor', `sock-${u}`))),
    ]);
    const final = await b.read(id);
    const byUser = new Map(final.participants.map((p) => [p.userId, p]));
    for (const u of students) expect(byUser.get(u)).toMatchObject({ isHandRaised: true, isAudioOn: false });
    expect(rules.handQueue(final)).toHaveLength(40);
  });

  it('six nodes toggling one counter-like field concurrently: every command lands exactly once', async () => {
    const stores = Array.from({ length: 6 }, (_, i) => node(`node-${i}`));
    const id = nextClass();
    await join(stores[0], id, 'tutor', 'tutor');
    const students = Array.from({ length: 30 }, (_, i) => `u${i}`);
    await Promise.all(students.map((u, i) => join(stores[i % 6], id, 'student', u)));
    // Each student ends with its hand down after an odd number of flips from several nodes.
    const flips = students.flatMap((u, i) =>
      Array.from({ length: 3 }, (_, k) => ({ u, store: stores[(i + k) % 6] })),
    );
    let applied = 0;
    await Promise.all(
      flips.map(({ u, store }) =>
        store.apply(id, (s) => {
          const me = s.participants.find((p) => p.userId === u)!;
          const res = me.isHandRaised ? rules.lowerHand(s, me.socketId) : rules.raiseHand(s, me.socketId, Date.now());
          return res;
        }).then(() => {
          applied += 1;
        }),
      ),
    );
    expect(applied).toBe(90);
    const final = await stores[3].read(id);
    // Three flips from down: up.
    expect(final.participants.filter((p) => p.role === 'student').every((p) => p.isHandRaised)).toBe(true);
  });

  it('records which node holds each socket, moves it when the user joins elsewhere, and forgets an empty class', async () => {
    const a = node('node-a');
    const b = node('node-b');
    const id = nextClass();
    await join(a, id, 'tutor', 'tutor');
    await join(a, id, 'student', 'amy', 'amy-1');
    expect(await ownersOf(id)).toEqual({ 'sock-tutor': 'node-a', 'amy-1': 'node-a' });

    // Amy reconnects through node B: her new socket replaces the old one, and B holds it.
    const again = await join(b, id, 'student', 'amy', 'amy-2');
    expect(again.evict).toEqual(['amy-1']);
    expect(await ownersOf(id)).toEqual({ 'sock-tutor': 'node-a', 'amy-2': 'node-b' });
    expect(await a.owners()).toEqual(
      expect.arrayContaining([
        { sessionId: id, socketId: 'sock-tutor', nodeId: 'node-a' },
        { sessionId: id, socketId: 'amy-2', nodeId: 'node-b' },
      ]),
    );

    await a.apply(id, (s) => rules.leave(s, 'amy-2'));
    expect(await ownersOf(id)).toEqual({ 'sock-tutor': 'node-a' });
    expect((await a.list()).map((c) => c.sessionId)).toContain(id);
    await b.apply(id, (s) => rules.leave(s, 'sock-tutor'));
    // Nobody in it and nothing decided: no keys left, not listed.
    expect(await keysOf(id)).toEqual([]);
    expect(await admin.sismember(`${prefix}classes`, id)).toBe(0);
    expect(await b.list()).toEqual([]);
  });

  it('keeps an empty class with a decision (a removal) for a while, but does not list it', async () => {
    const a = node('node-a', { idleTtlSeconds: 60 });
    const id = nextClass();
    await join(a, id, 'tutor', 'tutor');
    await join(a, id, 'student', 'bob');
    await a.apply(id, (s) => rules.removeParticipant(s, 'sock-tutor', 'sock-bob', undefined));
    await a.apply(id, (s) => rules.leave(s, 'sock-tutor'));
    expect((await a.read(id)).removed).toEqual(['bob']);
    const ttl = await admin.ttl(`${prefix}class:{${id}}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await a.list()).toEqual([]);
    // Someone coming back makes it live again, for good.
    await join(a, id, 'tutor', 'tutor');
    expect(await admin.ttl(`${prefix}class:{${id}}`)).toBe(-1);
    await expect(join(a, id, 'student', 'bob')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('list() drops a class whose key idled out, and shows classes written by any node', async () => {
    const a = node('node-a');
    const b = node('node-b');
    const one = nextClass();
    const two = nextClass();
    await join(a, one, 'tutor', 't1');
    await join(b, two, 'student', 's2');
    expect((await b.list()).map((c) => c.sessionId).sort()).toEqual([one, two].sort());
    await admin.del(`${prefix}class:{${two}}`);
    expect((await a.list()).map((c) => c.sessionId)).toEqual([one]);
    expect(await admin.smembers(`${prefix}classes`)).toEqual([one]);
  });
});

describe('heartbeat and reaper', () => {
  const collect = () => {
    const delivered: rules.CommandResult<unknown>[] = [];
    const deliver: Deliver = (res) => delivered.push(res);
    return { delivered, deliver };
  };

  it('removes, through leave, the participants of a node without a heartbeat; each once, whichever nodes reap', async () => {
    const a = node('node-a');
    const b = node('node-b');
    const c = node('node-c');
    const id = nextClass();
    await join(a, id, 'tutor', 'tutor');
    await join(b, id, 'student', 'amy');
    await join(b, id, 'student', 'ben');
    await join(c, id, 'student', 'cat');
    // A and C are alive, B is not.
    await admin.set(heartbeatKey(prefix, 'node-a'), '1', 'PX', 10_000);
    await admin.set(heartbeatKey(prefix, 'node-c'), '1', 'PX', 10_000);

    const fromA = collect();
    const fromC = collect();
    const [byA, byC] = await Promise.all([
      reapOnce({ redis: admin, store: a, prefix, deliver: fromA.deliver, log }),
      reapOnce({ redis: admin, store: c, prefix, deliver: fromC.deliver, log }),
    ]);
    expect(byA + byC).toBe(2);
    const delivered = [...fromA.delivered, ...fromC.delivered];
    expect(delivered.flatMap((r) => r.events.filter((e) => e.event === 'user-left').map((e) => e.payload)).sort((x, y) =>
      JSON.stringify(x).localeCompare(JSON.stringify(y)),
    )).toEqual([{ socketId: 'sock-amy' }, { socketId: 'sock-ben' }]);
    expect(delivered.flatMap((r) => r.events.flatMap((e) => (e.note ? [e.note.text] : []))).sort()).toEqual([
      'student amy left the class',
      'student ben left the class',
    ]);
    expect((await a.read(id)).participants.map((p) => p.userId)).toEqual(['tutor', 'cat']);
    expect(await ownersOf(id)).toEqual({ 'sock-tutor': 'node-a', 'sock-cat': 'node-c' });
    // Nothing left to reap.
    expect(await reapOnce({ redis: admin, store: a, prefix, deliver: fromA.deliver, log })).toBe(0);
  });

  it('never reaps its own participants, even when its own heartbeat is missing', async () => {
    const a = node('node-a');
    const id = nextClass();
    await join(a, id, 'tutor', 'tutor');
    const { deliver, delivered } = collect();
    expect(await reapOnce({ redis: admin, store: a, prefix, deliver, log })).toBe(0);
    expect(delivered).toEqual([]);
  });

  it('beats with a TTL, reaps on its own, notices a lapsed heartbeat, and stops cleanly', async () => {
    const a = node('node-a');
    const b = node('node-b');
    const id = nextClass();
    await join(a, id, 'tutor', 'tutor');
    await join(b, id, 'student', 'amy');
    const { deliver, delivered } = collect();
    let lapsed = 0;
    const liveness = await startLiveness({
      redis: admin,
      store: a,
      prefix,
      deliver,
      log,
      timing: { heartbeatMs: 50, nodeTtlMs: 1000, reapEveryMs: 50 },
      onLapsed: () => {
        lapsed += 1;
      },
    });
    try {
      const ttl = await admin.pttl(heartbeatKey(prefix, 'node-a'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(1000);
      // B never beat: its student goes.
      await expect.poll(() => delivered.length, { timeout: 3000 }).toBe(1);
      expect((await a.read(id)).participants.map((p) => p.userId)).toEqual(['tutor']);
      // Our key vanishes (a long pause, a Redis restart): the next beat notices.
      await admin.del(heartbeatKey(prefix, 'node-a'));
      await expect.poll(() => lapsed, { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    } finally {
      await liveness.stop();
    }
    const ttl = await admin.pttl(heartbeatKey(prefix, 'node-a'));
    await sleep(150);
    // Stopped: no more beats (the key only runs down).
    expect(await admin.pttl(heartbeatKey(prefix, 'node-a'))).toBeLessThan(ttl);
  });
});
