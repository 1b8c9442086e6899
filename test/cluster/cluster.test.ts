import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EventHold } from '../../src/client/event-hold';
import type { ChatMessage, Participant, Role, ServerEventName, ServerEventPayload } from '../../src/protocol';
import { expectFail, expectOk, nextEvent, record } from '../helpers/server';
import { CLUSTER_ADMIN_TOKEN, type Cluster, closeClients, connectTo, mint, type ServerNode, startCluster } from './support';

/**
 * Two real server processes (`npx tsx apps/server/main.ts`) sharing one Redis and one PostgreSQL;
 * clients on either node must not be able to tell there are two.
 */
let cluster: Cluster;
let A: ServerNode;
let B: ServerNode;

beforeAll(async () => {
  cluster = await startCluster(2);
  [A, B] = cluster.nodes;
}, 120_000);

afterEach(() => closeClients());

afterAll(async () => {
  closeClients();
  await cluster?.close();
}, 60_000);

const T = 8_000;
const newClass = () => `cluster-${randomBytes(4).toString('hex')}`;

/** Emits and waits for the ack (a generous timeout: two nodes and other test files share two cores). */
const ack = (socket: Socket, event: string, payload: unknown = {}): Promise<any> => socket.timeout(T).emitWithAck(event, payload);

const next = <E extends ServerEventName>(socket: Socket, name: E, where?: (p: ServerEventPayload<E>) => boolean) =>
  nextEvent(socket, name, { timeout: T, where });

interface Member {
  socket: Socket;
  self: Participant;
  token: string;
  userId: string;
  node: ServerNode;
}

async function joinOn(
  node: ServerNode,
  role: Role,
  sessionId: string,
  { name = `${role} ${randomBytes(2).toString('hex')}`, userId, tokenFor = sessionId }: { name?: string; userId?: string; tokenFor?: string } = {},
): Promise<Member> {
  const id = userId ?? `${role}-${randomBytes(4).toString('hex')}`;
  const token = await mint(role, tokenFor, name, id);
  const socket = await connectTo(node.url, token);
  const res = expectOk(await ack(socket, 'join-session', { sessionId }));
  return { socket, self: res.self as Participant, token, userId: id, node };
}

/** Everyone but the caller, checked to be the same in the ack and in `existing-users`. */
async function roster(member: Member, sessionId: string): Promise<Participant[]> {
  const event = next(member.socket, 'existing-users');
  const { users } = expectOk(await ack(member.socket, 'get-session-users', { sessionId }));
  expect((await event).users).toEqual(users);
  return users as Participant[];
}

const sockets = (users: Participant[]) => users.map((u) => u.socketId).sort();

async function history(node: ServerNode, token: string, sessionId: string): Promise<ChatMessage[]> {
  const res = await fetch(`${node.url}/api/chat/session/${sessionId}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: ChatMessage[] }).messages;
}

describe('two nodes serve one class', { timeout: 60_000 }, () => {
  it('joins across nodes in both orders; existing-users is complete whichever node answers', async () => {
    for (const [first, second] of [
      [A, B],
      [B, A],
    ]) {
      const id = newClass();
      const tutor = await joinOn(first, 'tutor', id, { name: 'Ada' });
      const joined = next(tutor.socket, 'user-joined');
      const amy = await joinOn(second, 'student', id, { name: 'Amy' });
      // The join's chat line rides along, across nodes too.
      expect(await joined).toEqual({ ...amy.self, note: expect.objectContaining({ type: 'system', text: 'Amy joined the class' }) });
      // One more on each node.
      const ben = await joinOn(first, 'student', id, { name: 'Ben' });
      const cat = await joinOn(second, 'student', id, { name: 'Cat' });
      const everyone = [tutor, amy, ben, cat];
      for (const m of everyone) {
        const others = await roster(m, id);
        expect(sockets(others)).toEqual(sockets(everyone.filter((o) => o !== m).map((o) => o.self)));
      }
      // Both nodes hold the same state: the tutor's view from `first` equals Cat's view of the tutor from `second`.
      const fromFirst = (await roster(tutor, id)).find((p) => p.userId === amy.userId);
      const fromSecond = (await roster(cat, id)).find((p) => p.userId === amy.userId);
      expect(fromFirst).toEqual(fromSecond);
      expect(fromFirst).toEqual(amy.self);
    }
  });

  it('20 students join at once over both nodes: the join’s answer plus the events held until it is everyone, for each of them', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id, { name: 'Ada' });
    const students = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const userId = `student-${i}-${randomBytes(3).toString('hex')}`;
        return { userId, socket: await connectTo((i % 2 ? B : A).url, await mint('student', id, `Student ${i}`, userId)) };
      }),
    );
    // Each as its page does it: hold user-joined / user-left from the moment the join goes out.
    const views = await Promise.all(
      students.map(async ({ socket }) => {
        const news = new EventHold();
        const view = new Map<string, string>();
        socket.on('user-joined', (p: Participant) => news.run(() => view.set(p.socketId, p.userId)));
        socket.on('user-left', ({ socketId }: { socketId: string }) => news.run(() => view.delete(socketId)));
        const hold = news.hold();
        const { users } = expectOk(await ack(socket, 'join-session', { sessionId: id, withUsers: true }));
        for (const u of users as Participant[]) view.set(u.socketId, u.userId);
        news.release(hold);
        return { socket, view };
      }),
    );
    // The last joins' events may still be on their way from the other node: wait for them.
    const everyone = [tutor.userId, ...students.map((s) => s.userId)].sort();
    await expect
      .poll(() => views.every(({ socket, view }) => [...view.values(), students.find((s) => s.socket === socket)?.userId].sort().join() === everyone.join()), {
        timeout: T,
      })
      .toBe(true);
    // And it is what the class state says, from either node.
    for (const { socket, view } of [views[0], views[1]]) {
      const event = next(socket, 'existing-users');
      expectOk(await ack(socket, 'get-session-users', { sessionId: id }));
      expect((await event).users.map((u) => u.socketId).sort()).toEqual([...view.keys()].sort());
    }
  });

  it('relays signals between nodes, stamped with the sender; not to another class', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id);
    const amy = await joinOn(B, 'student', id);
    const outsider = await joinOn(B, 'student', newClass());

    const toAmy = next(amy.socket, 'signal');
    expectOk(await ack(tutor.socket, 'signal', { to: amy.self.socketId, data: { link: 'l1', signal: { type: 'offer', sdp: 'x' } } }));
    expect(await toAmy).toEqual({ from: tutor.self.socketId, data: { link: 'l1', signal: { type: 'offer', sdp: 'x' } } });

    const toTutor = next(tutor.socket, 'signal');
    expectOk(await ack(amy.socket, 'signal', { to: tutor.self.socketId, data: { link: 'l1', signal: { type: 'answer' } }, from: 'forged' }));
    expect(await toTutor).toEqual({ from: amy.self.socketId, data: { link: 'l1', signal: { type: 'answer' } } });

    const outsiderSaw = record(outsider.socket, 'signal');
    expectFail(await ack(tutor.socket, 'signal', { to: outsider.self.socketId, data: {} }), 'not_in_session');
    await ack(outsider.socket, 'get-session-users', { sessionId: '-' });
    expect(outsiderSaw).toEqual([]);
  });

  it('media toggles, hands and leaving reach the other node', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id);
    const amy = await joinOn(B, 'student', id);

    let update = next(tutor.socket, 'participant-updated');
    const camera = expectOk(await ack(amy.socket, 'toggle-video', { enabled: false }));
    expect(await update).toEqual(camera.self);

    update = next(tutor.socket, 'participant-updated');
    const raised = expectOk(await ack(amy.socket, 'raise-hand', {}));
    expect(await update).toEqual(raised.self);
    expect(raised.self).toMatchObject({ isHandRaised: true, isVideoOn: false });

    // Amy's own copy of her raise may still be on its way (her node sends it after her ack, when her
    // socket drains; the tutor's copy can come round through Redis first): wait for the lowering.
    const lowered = next(amy.socket, 'participant-updated', (p) => p.socketId === amy.self.socketId && !p.isHandRaised);
    expectOk(await ack(tutor.socket, 'lower-hand', { socketId: amy.self.socketId }));
    expect(await lowered).toMatchObject({ socketId: amy.self.socketId, isHandRaised: false, isVideoOn: false });

    const left = next(tutor.socket, 'user-left');
    expectOk(await ack(amy.socket, 'leave-session', {}));
    expect(await left).toEqual({ socketId: amy.self.socketId, note: expect.objectContaining({ type: 'system', text: `${amy.self.name} left the class` }) });
    expect(await roster(tutor, id)).toEqual([]);
  });

  it('mute and mute-all from one node reach students on both', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id, { name: 'Ada' });
    const amy = await joinOn(B, 'student', id, { name: 'Amy' });
    const ben = await joinOn(A, 'student', id, { name: 'Ben' });

    const forced = next(amy.socket, 'force-mute');
    const seen = next(ben.socket, 'participant-updated');
    const muted = expectOk(await ack(tutor.socket, 'mute-participant', { socketId: amy.self.socketId }));
    expect(await forced).toEqual({ by: 'Ada' });
    expect(await seen).toEqual(muted.participant);
    expect((await roster(ben, id)).find((p) => p.userId === amy.userId)?.isAudioOn).toBe(false);

    // Amy turns it back on; a tutor on the other node mutes everyone.
    expectOk(await ack(amy.socket, 'toggle-audio', { enabled: true }));
    const coTutor = await joinOn(B, 'tutor', id, { name: 'Cy' });
    const both = [amy, ben].map((m) => next(m.socket, 'force-mute'));
    expect(expectOk(await ack(coTutor.socket, 'mute-all', {})).muted).toBe(2);
    expect(await Promise.all(both)).toEqual([{ by: 'Cy' }, { by: 'Cy' }]);
    const view = await roster(tutor, id);
    expect(view.filter((p) => p.role === 'student').map((p) => p.isAudioOn)).toEqual([false, false]);
  });

  it('locks and the floor hold across nodes', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id, { name: 'Ada' });
    const amy = await joinOn(B, 'student', id, { name: 'Amy' });
    const ben = await joinOn(A, 'student', id, { name: 'Ben' });

    const controls = next(amy.socket, 'class-updated');
    const forced = next(amy.socket, 'force-mute');
    expectOk(await ack(tutor.socket, 'lock-media', { kind: 'audio', locked: true }));
    expect(await controls).toEqual({ locks: { audio: true, video: false }, floorUserId: null, media: 'direct' });
    expect(await forced).toEqual({ by: 'Ada' });
    expectFail(await ack(amy.socket, 'toggle-audio', { enabled: true }), 'forbidden');
    // Someone joining on the other node comes in under the lock.
    const cat = await joinOn(B, 'student', id);
    expect(cat.self.isAudioOn).toBe(false);

    // The floor: Amy (on B) may speak, Ben (on A) still may not.
    expectOk(await ack(amy.socket, 'raise-hand', {}));
    const asked = next(amy.socket, 'unmute-requested');
    const floor = next(ben.socket, 'class-updated', (c) => c.floorUserId === amy.userId);
    expectOk(await ack(tutor.socket, 'give-floor', { socketId: amy.self.socketId }));
    expect(await asked).toEqual({ by: 'Ada' });
    expect(await floor).toEqual({ locks: { audio: true, video: false }, floorUserId: amy.userId, media: 'direct' });
    expect(expectOk(await ack(amy.socket, 'toggle-audio', { enabled: true })).self).toMatchObject({ isAudioOn: true, isHandRaised: false });
    expectFail(await ack(ben.socket, 'toggle-audio', { enabled: true }), 'forbidden');

    const back = next(amy.socket, 'force-mute');
    expectOk(await ack(tutor.socket, 'take-floor-back', {}));
    expect(await back).toEqual({ by: 'Ada' });
    // Events from another node may trail the ack: wait for the one that unlocks.
    const unlocked = next(cat.socket, 'class-updated', (c) => !c.locks.audio);
    expectOk(await ack(tutor.socket, 'lock-media', { kind: 'audio', locked: false }));
    expect(await unlocked).toEqual({ locks: { audio: false, video: false }, floorUserId: null, media: 'direct' });
    expectOk(await ack(ben.socket, 'toggle-audio', { enabled: true }));
  });

  it('a student removed through one node is disconnected on the other and cannot come back through either', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id, { name: 'Ada' });
    const amy = await joinOn(B, 'student', id, { name: 'Amy' });
    const ben = await joinOn(A, 'student', id, { name: 'Ben' });

    const removed = next(amy.socket, 'removed');
    const gone = new Promise<string>((resolve) => amy.socket.once('disconnect', resolve));
    const left = next(ben.socket, 'user-left');
    expectOk(await ack(tutor.socket, 'remove-participant', { socketId: amy.self.socketId, reason: 'spam' }));
    expect(await removed).toEqual({ by: 'Ada', reason: 'spam' });
    expect(await gone).toBe('io server disconnect');
    expect(await left).toEqual({ socketId: amy.self.socketId });

    for (const node of [A, B]) {
      const socket = await connectTo(node.url, amy.token);
      expectFail(await ack(socket, 'join-session', { sessionId: id }), 'forbidden');
    }
    expect(sockets(await roster(tutor, id))).toEqual([ben.self.socketId]);
  });

  it('the same user joining through the other node replaces the older socket', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id);
    const first = await joinOn(A, 'student', id, { userId: 'same-person' });
    expectOk(await ack(first.socket, 'raise-hand', {}));

    const replaced = next(first.socket, 'session-replaced');
    const closed = new Promise<string>((resolve) => first.socket.once('disconnect', resolve));
    const joined = next(tutor.socket, 'user-joined');
    const left = next(tutor.socket, 'user-left');
    const second = await joinOn(B, 'student', id, { userId: 'same-person' });
    expect(second.self.isHandRaised).toBe(true);
    expect(await replaced).toEqual({ reason: expect.any(String) });
    expect(await closed).toBe('io server disconnect');
    expect(await joined).toEqual(second.self);
    expect(await left).toEqual({ socketId: first.self.socketId });
    expect(sockets(await roster(tutor, id))).toEqual([second.self.socketId]);
  });

  it('chat: a message posted on one node reaches the other; history and notes are the same from both', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id, { name: 'Ada' });
    const amyJoined = next(tutor.socket, 'user-joined', (p) => p.note?.text === 'Amy joined the class');
    const amy = await joinOn(B, 'student', id, { name: 'Amy' });
    await amyJoined;

    const toTutor = next(tutor.socket, 'chat-message', (m) => m.type === 'text');
    const sent = expectOk(await ack(amy.socket, 'chat-message', { text: 'hello from B' }));
    expect(await toTutor).toEqual(sent.message);

    const toAmy = next(amy.socket, 'chat-message', (m) => m.type === 'text');
    const res = await fetch(`${A.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tutor.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId: id, text: 'hello over HTTP on A' }),
    });
    expect(res.status).toBe(201);
    expect(await toAmy).toEqual(await res.json());

    // A moderation note from node A reaches Amy on B as a system message.
    const note = next(amy.socket, 'chat-message', (m) => m.type === 'system' && m.text === 'Ada muted Amy');
    expectOk(await ack(tutor.socket, 'mute-participant', { socketId: amy.self.socketId }));
    await note;

    const fromA = await history(A, tutor.token, id);
    const fromB = await history(B, amy.token, id);
    expect(fromB).toEqual(fromA);
    expect(fromA.map((m) => m.text)).toEqual([
      'Ada joined the class',
      'Amy joined the class',
      'hello from B',
      'hello over HTTP on A',
      'Ada muted Amy',
    ]);
  });

  it('the admin console of either node lists classes with people on both', async () => {
    const id = newClass();
    await joinOn(A, 'tutor', id, { name: 'Ada' });
    await joinOn(B, 'student', id);
    const raised = await joinOn(B, 'student', id);
    expectOk(await ack(raised.socket, 'raise-hand', {}));
    for (const node of [A, B]) {
      const res = await fetch(`${node.url}/api/admin/classes`, { headers: { authorization: `Bearer ${CLUSTER_ADMIN_TOKEN}` } });
      const { classes } = (await res.json()) as { classes: Array<{ id: string }> };
      expect(classes.find((c) => c.id === id)).toMatchObject({ tutor: 'Ada', tutorPresent: true, participants: 3, raisedHands: 1 });
    }
    // An admin token joins through either node.
    const admin = await joinOn(B, 'admin', id, { tokenFor: '*' });
    expect(await roster(admin, id)).toHaveLength(3);
  });
});

describe('two nodes under concurrent writes', { timeout: 90_000 }, () => {
  it('50 students over two nodes raise and lower hands at random at once: one queue, everyone’s last action', async () => {
    const id = newClass();
    const tutor = await joinOn(A, 'tutor', id);
    const admin = await joinOn(B, 'admin', id, { tokenFor: '*' });
    const students: Member[] = [];
    for (let batch = 0; batch < 5; batch += 1) {
      students.push(
        ...(await Promise.all(Array.from({ length: 10 }, (_, i) => joinOn((batch * 10 + i) % 2 ? B : A, 'student', id)))),
      );
    }
    const last = new Map<string, boolean>();
    await Promise.all(
      students.map(async (s) => {
        const actions = 1 + Math.floor(Math.random() * 6);
        for (let k = 0; k < actions; k += 1) {
          const up = Math.random() < 0.5;
          const res = expectOk(await ack(s.socket, up ? 'raise-hand' : 'lower-hand', {}));
          const me = (up ? res.self : res.participant) as Participant;
          expect(me.isHandRaised).toBe(up);
          last.set(s.userId, up);
          if (Math.random() < 0.5) await new Promise((r) => setTimeout(r, Math.random() * 20));
        }
      }),
    );

    const fromA = await roster(tutor, id);
    const fromB = await roster(admin, id);
    const queue = (users: Participant[]) =>
      users
        .filter((p) => p.isHandRaised)
        .sort((x, y) => (x.handRaisedAt ?? 0) - (y.handRaisedAt ?? 0))
        .map((p) => p.userId);
    const studentsOf = (users: Participant[]) => users.filter((p) => p.role === 'student');
    expect(studentsOf(fromA)).toHaveLength(50);
    expect(studentsOf(fromB)).toEqual(studentsOf(fromA));
    expect(queue(fromB)).toEqual(queue(fromA));
    const expected = students.filter((s) => last.get(s.userId)).map((s) => s.userId).sort();
    expect([...queue(fromA)].sort()).toEqual(expected);
    for (const p of studentsOf(fromA)) expect(p.isHandRaised).toBe(last.get(p.userId));
  });
});
