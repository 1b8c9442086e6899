import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, Participant } from '../../src/protocol';
import { expectOk, nextEvent } from '../helpers/server';
import { type Cluster, closeClients, connectTo, mint, REDIS_URL, startCluster, startProxy, stopNode } from './support';

/**
 * A node killed outright (SIGKILL: no shutdown, no goodbye) must leave no ghosts: the survivors'
 * reapers remove its participants through the class rules, and its clients come back through the
 * load balancer to a surviving node by themselves.
 */
let cluster: Cluster;
let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;

beforeAll(async () => {
  cluster = await startCluster(2);
}, 120_000);

afterAll(async () => {
  closeClients();
  await proxy?.close();
  await cluster?.close();
}, 60_000);

const T = 8_000;
const ack = (socket: Socket, event: string, payload: unknown = {}): Promise<any> => socket.timeout(T).emitWithAck(event, payload);

describe('a node dies', { timeout: 90_000 }, () => {
  it('its participants leave everyone else’s view within the bound, and its clients rejoin through a surviving node', async () => {
    const [A, B] = cluster.nodes;
    const id = `cluster-death-${randomBytes(4).toString('hex')}`;
    proxy = await startProxy([A.port, B.port]);

    const join = async (url: string, name: string, userId: string, role: 'tutor' | 'student' = 'student') => {
      const socket = await connectTo(url, await mint(role, id, name, userId));
      const { self } = expectOk(await ack(socket, 'join-session', { sessionId: id }));
      return { socket, self: self as Participant };
    };
    const tutor = await join(B.url, 'Ada', 'ada', 'tutor');
    const amy = await join(A.url, 'Amy', 'amy');
    const ben = await join(A.url, 'Ben', 'ben');

    // Cat goes through the load balancer (to A, the first backend) with a client that reconnects and
    // joins again on every connect, as the browser's session client does.
    const catToken = await mint('student', id, 'Cat', 'cat');
    const cat = await connectTo(`http://127.0.0.1:${proxy.port}`, catToken, {
      reconnection: true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 1000,
    });
    const catJoins: Participant[] = [];
    const rejoin = () =>
      ack(cat, 'join-session', { sessionId: id }).then((res) => {
        catJoins.push(expectOk(res).self as Participant);
      });
    cat.on('connect', () => void rejoin().catch(() => undefined));
    await rejoin();
    const catBefore = expectOk(await ack(cat, 'raise-hand', {})).self as Participant;
    expect(catBefore.socketId).toBe(catJoins[0].socketId);

    const seenByTutor = { left: [] as string[], joined: [] as Participant[], notes: [] as string[] };
    tutor.socket.on('user-left', ({ socketId, note }: { socketId: string; note?: ChatMessage }) => {
      seenByTutor.left.push(socketId);
      if (note) seenByTutor.notes.push(note.text);
    });
    tutor.socket.on('user-joined', (p: Participant) => seenByTutor.joined.push(p));
    tutor.socket.on('chat-message', (m: ChatMessage) => {
      if (m.type === 'system') seenByTutor.notes.push(m.text);
    });
    const amyLeft = nextEvent(tutor.socket, 'user-left', { timeout: 20_000, where: (e) => e.socketId === amy.self.socketId });
    const benLeft = nextEvent(tutor.socket, 'user-left', { timeout: 20_000, where: (e) => e.socketId === ben.self.socketId });

    const killedAt = Date.now();
    A.kill('SIGKILL');
    expect(await A.exited).toBe('SIGKILL');

    // Cat comes back through the balancer, now to B.
    await expect.poll(() => catJoins.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);

    // Amy and Ben, whose node is gone, leave everyone's view within the bound.
    await Promise.all([amyLeft, benLeft]);
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThan(20_000);
    await expect.poll(() => seenByTutor.notes, { timeout: 5_000 }).toEqual(
      expect.arrayContaining(['Amy left the class', 'Ben left the class']),
    );

    // Her last join holds her slot, hand kept. On a loaded machine a reconnect can drop before its
    // join's answer arrives and she joins once more: each socket of hers the tutor saw join before
    // the last must have left again, or it would be a ghost.
    const catAfter = catJoins[catJoins.length - 1];
    expect(catAfter.socketId).not.toBe(catBefore.socketId);
    expect(catAfter).toMatchObject({ userId: 'cat', isHandRaised: true, handRaisedAt: catBefore.handRaisedAt });
    expect(seenByTutor.joined.map((p) => p.userId)).toEqual(seenByTutor.joined.map(() => 'cat'));
    expect(seenByTutor.joined.at(-1)?.socketId).toBe(catAfter.socketId);
    const catGhosts = seenByTutor.joined.slice(0, -1).map((p) => p.socketId);
    await expect
      .poll(() => seenByTutor.left, { timeout: 5_000 })
      .toEqual(expect.arrayContaining([catBefore.socketId, ...catGhosts, amy.self.socketId, ben.self.socketId]));

    // What remains: the tutor and Cat's new socket, in the roster and in the record of who holds whom.
    const { users } = expectOk(await ack(tutor.socket, 'get-session-users', { sessionId: id }));
    expect(users).toEqual([catAfter]);
    const redis = new Redis(REDIS_URL);
    try {
      const owners = await redis.hgetall(`${cluster.prefix}owners:{${id}}`);
      expect(Object.keys(owners).sort()).toEqual([tutor.self.socketId, catAfter.socketId].sort());
      expect(new Set(Object.values(owners)).size).toBe(1);
    } finally {
      await redis.quit();
    }
    // Nothing more leaves afterwards: the reaper is done.
    const leftSoFar = seenByTutor.left.length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(seenByTutor.left).toHaveLength(leftSoFar);

    // The survivor stops gracefully (SIGTERM): heartbeat, reaper, Redis and the database close; exit 0.
    closeClients();
    expect(await stopNode(B), B.output()).toBe(0);
  });
});
