import { describe, expect, it } from 'vitest';
import { EventHold } from '../../src/client/event-hold';
import type { Participant } from '../../src/protocol';
import { storeWithAPause } from '../helpers/class-stores';
import {
  emitAck,
  expectFail,
  expectOk,
  announced,
  joinAs,
  nextEvent,
  record,
  rosterOf,
  settle,
  signRaw,
  startTestServer,
} from '../helpers/server';

const CLASS = 'class-a';
const OTHER = 'class-b';

const ids = (users: { userId: string }[]) => users.map((u) => u.userId).sort();

describe('handshake', () => {
  it('admits a valid token', async () => {
    const server = await startTestServer();
    const socket = await server.connect(await server.mint('student', CLASS));
    expect(socket.connected).toBe(true);
  });

  it.each([
    ['missing', async () => ({})],
    ['empty', async () => ({ token: '' })],
    ['not a string', async () => ({ token: 12345 })],
    ['garbage', async () => ({ token: 'not-a-jwt' })],
    [
      'forged (another secret)',
      async () => ({
        token: await signRaw({ name: 'Eve', role: 'tutor', sessionId: CLASS }, { secret: 'some-other-secret-0123456789', subject: 'eve' }),
      }),
    ],
    [
      'expired',
      async () => ({
        token: await signRaw({ name: 'Old', role: 'student', sessionId: CLASS }, { expiresIn: '-10s', subject: 'old' }),
      }),
    ],
    [
      'an invite rather than a join token',
      async () => ({ token: await signRaw({ kind: 'invite', sessionId: CLASS }) }),
    ],
    [
      'a role that does not exist',
      async () => ({ token: await signRaw({ name: 'X', role: 'superuser', sessionId: CLASS }, { subject: 'x' }) }),
    ],
  ])('refuses a %s token with connect_error code "unauthorized"', async (_label, auth) => {
    const server = await startTestServer();
    const err = await server.connectError(await auth());
    expect(err.data).toEqual({ code: 'unauthorized', message: expect.any(String) });
  });

  it('tells an expired token apart from a forged one in its message', async () => {
    const server = await startTestServer();
    const expired = await server.connectError({
      token: await server.tokens.signJoin({ userId: 'u', name: 'U', role: 'student', sessionId: CLASS }, -10),
    });
    const forged = await server.connectError({
      token: await signRaw({ name: 'U', role: 'student', sessionId: CLASS }, { secret: 'x'.repeat(32), subject: 'u' }),
    });
    expect(expired.data?.message).toMatch(/expired/i);
    expect(forged.data?.message).not.toMatch(/expired/i);
  });
});

describe('joining', () => {
  it('acks with self built from the token, not the payload', async () => {
    const server = await startTestServer();
    const token = await server.mint('student', CLASS, 'Alice', 'alice-id');
    const socket = await server.connect(token);
    const ack = expectOk(
      await emitAck(socket, 'join-session', {
        sessionId: CLASS,
        userId: 'forged',
        name: 'Mallory',
        role: 'admin',
      }),
    );
    expect(ack.self).toMatchObject({
      socketId: socket.id,
      userId: 'alice-id',
      name: 'Alice',
      role: 'student',
      isAudioOn: true,
      isVideoOn: true,
      isHandRaised: false,
      handRaisedAt: null,
    });
  });

  it('an admin joins any class with camera and microphone off by default', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const joined = nextEvent(tutor.socket, 'user-joined');
    const admin = await joinAs(server, 'admin', CLASS, { tokenFor: '*' });
    expect(admin.self).toMatchObject({ role: 'admin', isAudioOn: false, isVideoOn: false });
    expect(await joined).toEqual(announced(admin));
    expect(admin.note).toMatchObject({ type: 'system', text: `${admin.self.name} joined the class`, userId: admin.self.userId });
    const adminToken = await server.mint('admin', '*');
    const elsewhere = await server.connect(adminToken);
    expectOk(await emitAck(elsewhere, 'join-session', { sessionId: OTHER }));
  });

  it('tutor first, then students: everyone sees everyone else', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { userId: 't' });
    const tutorSees = record(tutor.socket, 'user-joined');
    const s1 = await joinAs(server, 'student', CLASS, { userId: 's1' });
    const s1Sees = record(s1.socket, 'user-joined');
    const s2 = await joinAs(server, 'student', CLASS, { userId: 's2' });
    await settle(tutor.socket, s1.socket);
    expect(tutorSees).toEqual([announced(s1), announced(s2)]);
    expect(s1Sees).toEqual([announced(s2)]);

    expect(ids(await rosterOf(tutor.socket, CLASS))).toEqual(['s1', 's2']);
    expect(ids(await rosterOf(s1.socket, CLASS))).toEqual(['s2', 't']);
    expect(ids(await rosterOf(s2.socket, CLASS))).toEqual(['s1', 't']);
  });

  it('students first, then the tutor: the tutor gets everyone but itself, via event and ack', async () => {
    const server = await startTestServer();
    const s1 = await joinAs(server, 'student', CLASS, { userId: 's1' });
    const s2 = await joinAs(server, 'student', CLASS, { userId: 's2' });
    // s2 had its ack before s1 heard of s2: let that arrive first.
    await settle(s1.socket);
    const s1Joined = nextEvent(s1.socket, 'user-joined');
    const s2Joined = nextEvent(s2.socket, 'user-joined');
    const tutor = await joinAs(server, 'tutor', CLASS, { userId: 't' });
    expect(await s1Joined).toEqual(announced(tutor));
    expect(await s2Joined).toEqual(announced(tutor));

    const event = nextEvent(tutor.socket, 'existing-users');
    const ack = expectOk(await emitAck(tutor.socket, 'get-session-users', { sessionId: CLASS }));
    const { users } = await event;
    expect(users).toEqual(ack.users);
    expect(users).toEqual([s1.self, s2.self]);
    expect(users.some((u) => u.socketId === tutor.socket.id)).toBe(false);
  });

  it('withUsers: the join answers with everyone else, as get-session-users does; without it, no list', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const s1 = await joinAs(server, 'student', CLASS);
    const s2socket = await server.connect(await server.mint('student', CLASS, 'Bea', 's2'));
    const ack = expectOk(await emitAck(s2socket, 'join-session', { sessionId: CLASS, withUsers: true }));
    expect(ack.users).toEqual([tutor.self, s1.self]);
    expect(ack.users).toEqual(await rosterOf(s2socket, CLASS));
    const s3socket = await server.connect(await server.mint('student', CLASS, 'Cal', 's3'));
    expect(expectOk(await emitAck(s3socket, 'join-session', { sessionId: CLASS })).users).toBeUndefined();
    expectFail(await emitAck(s3socket, 'join-session', { sessionId: CLASS, withUsers: 'yes' }), 'invalid_payload');
  });


  it('a joiner is in the class before its join is stored: the answer plus the events after it are the whole class', async () => {
    const { store, pauseNext } = storeWithAPause();
    const server = await startTestServer({ store });
    const tutor = await joinAs(server, 'tutor', CLASS);
    const amy = await server.connect(await server.mint('student', CLASS, 'Amy', 'amy'));
    // What Amy's page does: hold the class's news until the join's answer, then apply it.
    const news = new EventHold();
    const seen = new Map<string, Participant>();
    const order: string[] = [];
    amy.on('user-joined', ({ note: _note, ...p }: Participant & { note?: unknown }) => {
      order.push(`user-joined ${p.name}`);
      news.run(() => seen.set(p.socketId, p));
    });
    amy.on('participant-updated', (p: Participant) => news.run(() => seen.set(p.socketId, p)));

    const paused = pauseNext();
    const hold = news.hold();
    const answer = emitAck(amy, 'join-session', { sessionId: CLASS, withUsers: true }).then((ack) => {
      order.push('answer');
      return ack;
    });
    await paused.stored;
    // Amy is stored but has no answer yet; Ben joins and the tutor raises a hand meanwhile.
    const ben = await joinAs(server, 'student', CLASS, { name: 'Ben' });
    await emitAck(tutor.socket, 'raise-hand', {});
    await nextEvent(amy, 'participant-updated');
    paused.go();
    const ack = expectOk(await answer);

    expect(order).toEqual(['user-joined Ben', 'answer']);
    // The snapshot is from before Ben and the hand: alone it would miss both.
    expect(ids(ack.users ?? [])).toEqual(ids([tutor.self]));
    expect(ack.users?.[0].isHandRaised).toBe(false);
    for (const u of ack.users ?? []) seen.set(u.socketId, u);
    news.release(hold);
    expect(ids([...seen.values()])).toEqual(ids([tutor.self, ben.self]));
    expect(seen.get(tutor.self.socketId)?.isHandRaised).toBe(true);
  });

  it('a join that fails leaves the socket out of the class', async () => {
    const { store, failNext } = storeWithAPause();
    const server = await startTestServer({ store });
    const tutor = await joinAs(server, 'tutor', CLASS);
    const amy = await server.connect(await server.mint('student', CLASS, 'Amy', 'amy'));
    const heard = record(amy, 'participant-updated');
    failNext();
    expectFail(await emitAck(amy, 'join-session', { sessionId: CLASS, withUsers: true }), 'internal');
    await emitAck(tutor.socket, 'raise-hand', {});
    await settle(amy, tutor.socket);
    expect(heard).toEqual([]);
    expectFail(await emitAck(amy, 'get-session-users', { sessionId: CLASS }), 'not_in_session');
    // Joining again works, and the class is as the tutor left it.
    const again = expectOk(await emitAck(amy, 'join-session', { sessionId: CLASS, withUsers: true }));
    expect(again.users?.map((u) => u.isHandRaised)).toEqual([true]);
  });

  it('a class is separate from every other class', async () => {
    const server = await startTestServer();
    const a = await joinAs(server, 'tutor', CLASS);
    const aSees = record(a.socket, 'user-joined');
    const b = await joinAs(server, 'tutor', OTHER);
    await joinAs(server, 'student', OTHER);
    await settle(a.socket);
    expect(aSees).toEqual([]);
    expect(await rosterOf(a.socket, CLASS)).toEqual([]);
    expect(await rosterOf(b.socket, OTHER)).toHaveLength(1);
  });

  it('get-session-users for a class one is not in is not_in_session', async () => {
    const server = await startTestServer();
    const socket = await server.connect(await server.mint('student', CLASS));
    expectFail(await emitAck(socket, 'get-session-users', { sessionId: CLASS }), 'not_in_session');
    const s = await joinAs(server, 'student', CLASS);
    expectFail(await emitAck(s.socket, 'get-session-users', { sessionId: OTHER }), 'not_in_session');
  });

  it('a token for class A joining class B is forbidden and nobody hears of it', async () => {
    const server = await startTestServer();
    const b = await joinAs(server, 'tutor', OTHER);
    const bSees = record(b.socket, 'user-joined');
    const socket = await server.connect(await server.mint('tutor', CLASS));
    expectFail(await emitAck(socket, 'join-session', { sessionId: OTHER }), 'forbidden');
    await settle(b.socket);
    expect(bSees).toEqual([]);
    expect(await rosterOf(b.socket, OTHER)).toEqual([]);
    // Not joined anywhere.
    expectFail(await emitAck(socket, 'raise-hand', {}), 'not_in_session');
  });

  it('a member of class A trying to join class B stays in class A', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const left = record(tutor.socket, 'user-left');
    expectFail(await emitAck(student.socket, 'join-session', { sessionId: OTHER }), 'forbidden');
    await settle(tutor.socket, student.socket);
    expect(left).toEqual([]);
    expect(await rosterOf(tutor.socket, CLASS)).toEqual([student.self]);
    expectOk(await emitAck(student.socket, 'raise-hand', {}));
  });
});

describe('leaving', () => {
  it('leave-session: the others get user-left, the roster shrinks', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const s1 = await joinAs(server, 'student', CLASS);
    const s2 = await joinAs(server, 'student', CLASS);
    const tutorLeft = nextEvent(tutor.socket, 'user-left');
    const s2Left = nextEvent(s2.socket, 'user-left');
    expectOk(await emitAck(s1.socket, 'leave-session', {}));
    const leftLine = { type: 'system', text: `${s1.self.name} left the class`, userId: s1.self.userId, id: expect.any(String) };
    expect(await tutorLeft).toEqual({ socketId: s1.self.socketId, note: expect.objectContaining(leftLine) });
    // One line, the same for everyone (the same id as the history will have).
    expect((await s2Left).note).toEqual((await tutorLeft).note);
    expect(await rosterOf(tutor.socket, CLASS)).toEqual([s2.self]);
    // Out of the class, and may join it again.
    expectFail(await emitAck(s1.socket, 'raise-hand', {}), 'not_in_session');
    expectFail(await emitAck(s1.socket, 'leave-session', {}), 'not_in_session');
    const back = nextEvent(tutor.socket, 'user-joined');
    expectOk(await emitAck(s1.socket, 'join-session', { sessionId: CLASS }));
    expect(await back).toMatchObject({ socketId: s1.socket.id, userId: s1.self.userId });
  });

  it('a disconnect removes the participant and the others get user-left', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const left = nextEvent(tutor.socket, 'user-left');
    student.socket.disconnect();
    expect(await left).toEqual({
      socketId: student.self.socketId,
      note: expect.objectContaining({ type: 'system', text: `${student.self.name} left the class` }),
    });
    expect(await rosterOf(tutor.socket, CLASS)).toEqual([]);
  });

  it('the last one out empties the class from the store', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    expect((await server.store.list()).map((c) => c.sessionId)).toEqual([CLASS]);
    expectOk(await emitAck(tutor.socket, 'leave-session', {}));
    expect(await server.store.list()).toEqual([]);
  });
});

describe('the same user joining again', () => {
  it('replaces the older socket: one entry, others get user-left for the old one', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const other = await joinAs(server, 'student', CLASS);
    const first = await joinAs(server, 'student', CLASS, { userId: 'alice', name: 'Alice' });
    await settle(tutor.socket, other.socket);

    const tutorLeft = record(tutor.socket, 'user-left');
    const otherLeft = record(other.socket, 'user-left');
    const tutorJoined = nextEvent(tutor.socket, 'user-joined');
    const replaced = nextEvent(first.socket, 'session-replaced');
    const dropped = new Promise<string>((resolve) => first.socket.once('disconnect', resolve));

    const second = await joinAs(server, 'student', CLASS, { userId: 'alice', name: 'Alice' });
    expect(second.self.socketId).not.toBe(first.self.socketId);
    // The same person, still here: no "joined" line for anyone.
    expect(await tutorJoined).toEqual(second.self);
    expect(second.note).toBeUndefined();
    expect(await replaced).toEqual({ reason: expect.any(String) });
    expect(await dropped).toBe('io server disconnect');

    await settle(tutor.socket, other.socket);
    expect(tutorLeft).toEqual([{ socketId: first.self.socketId }]);
    expect(otherLeft).toEqual([{ socketId: first.self.socketId }]);
    const roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.filter((p) => p.userId === 'alice')).toEqual([second.self]);
    expect(roster).toHaveLength(2);
  });

  it('the replaced socket disconnecting later does not remove the new one', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const first = await joinAs(server, 'student', CLASS, { userId: 'bob' });
    const dropped = new Promise((resolve) => first.socket.once('disconnect', resolve));
    const second = await joinAs(server, 'student', CLASS, { userId: 'bob' });
    await dropped;
    await settle(tutor.socket);
    expect(await rosterOf(tutor.socket, CLASS)).toEqual([second.self]);
  });

  it('a tutor reloading keeps a single tutor entry', async () => {
    const server = await startTestServer();
    const student = await joinAs(server, 'student', CLASS);
    await joinAs(server, 'tutor', CLASS, { userId: 'tutor-1' });
    const again = await joinAs(server, 'tutor', CLASS, { userId: 'tutor-1' });
    await settle(student.socket);
    expect(await rosterOf(student.socket, CLASS)).toEqual([again.self]);
  });
});

describe('who hears first', () => {
  it('the one who asked gets the ack before the class (itself included) is told', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    await settle(tutor.socket, student.socket);
    // One socket's packets arrive in the order the server sent them: the ack, then the broadcast.
    const order: string[] = [];
    student.socket.on('participant-updated', () => order.push('participant-updated'));
    const tutorHears = nextEvent(tutor.socket, 'participant-updated');
    await new Promise<void>((resolve) =>
      student.socket.emit('raise-hand', {}, (ack: { ok: boolean }) => {
        order.push(ack.ok ? 'ack' : 'refused');
        resolve();
      }),
    );
    expect((await tutorHears).isHandRaised).toBe(true);
    await settle(student.socket);
    expect(order).toEqual(['ack', 'participant-updated']);
  });

  it('a join is told to the class right after the joiner has its ack, and a leave likewise', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const joinedSeen = nextEvent(tutor.socket, 'user-joined');
    const student = await joinAs(server, 'student', CLASS);
    expect(await joinedSeen).toEqual(announced(student));
    const leftSeen = nextEvent(tutor.socket, 'user-left');
    expectOk(await emitAck(student.socket, 'leave-session', {}));
    expect((await leftSeen).socketId).toBe(student.self.socketId);
  });
});
