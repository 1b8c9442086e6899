import { describe, expect, it } from 'vitest';
import type { ClassControls, Participant } from '../../src/protocol';
import { defaultRates } from '../../src/server/transport/rate-limiter';
import {
  emitAck,
  expectFail,
  expectOk,
  joinAs,
  leftWithLine,
  nextEvent,
  record,
  rosterOf,
  settle,
  startTestServer,
  type Member,
  type TestServer,
  type TestServerOptions,
  type TestSocket,
} from '../helpers/server';

const CLASS = 'class-mod';

/** Room for the many refused commands a matrix sends from one socket. */
const roomyRates = { ...defaultRates, moderation: { burst: 1000, perSecond: 1000 } };

const controls = (audio: boolean, video: boolean, floorUserId: string | null): ClassControls => ({
  locks: { audio, video },
  floorUserId,
  media: 'direct',
});

/** A tutor, an admin (publishing) and two students, all with camera and microphone on. */
async function classroom(server: TestServer) {
  const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
  const admin = await joinAs(server, 'admin', CLASS, {
    name: 'Admin',
    userId: 'admin',
    tokenFor: '*',
    isAudioOn: true,
    isVideoOn: true,
  });
  const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
  const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });
  return { tutor, admin, alice, bob };
}

async function start(options: TestServerOptions = {}) {
  const server = await startTestServer({ rates: roomyRates, ...options });
  return { server, ...(await classroom(server)) };
}

/** Every event a socket receives from now on (but the replies to roster requests). */
function journal(socket: TestSocket): [string, unknown][] {
  const seen: [string, unknown][] = [];
  socket.onAny((event: string, payload: unknown) => {
    if (event !== 'existing-users') seen.push([event, payload]);
  });
  return seen;
}

/** What each observer sees of the class, and what the server holds for it. */
async function snapshot(server: TestServer, observers: Member[]) {
  const rosters: Participant[][] = [];
  for (const m of observers) rosters.push(await rosterOf(m.socket, CLASS));
  const state = await server.store.read(CLASS);
  return { rosters, controls: state.controls, removed: state.removed };
}

const byUser = (roster: Participant[], userId: string) => roster.find((p) => p.userId === userId);

const queueOf = (roster: Participant[]) =>
  roster
    .filter((p) => p.isHandRaised)
    .sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0))
    .map((p) => p.userId);

/** Resolves with the reason once the socket is disconnected. */
const disconnected = (socket: TestSocket) => new Promise<string>((resolve) => socket.once('disconnect', resolve));

// ---------------------------------------------------------------------------------------------

describe('a student sending any moderation event', () => {
  it('gets forbidden every time, and nothing changes for anyone', async () => {
    const { server, tutor, admin, alice, bob } = await start();
    // Something to undo: a camera lock, a floor holder, raised hands.
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'video', locked: true }));
    expectOk(await emitAck(tutor.socket, 'give-floor', { socketId: bob.socket.id }));
    for (const m of [bob, tutor, admin]) expectOk(await emitAck(m.socket, 'raise-hand', {}));
    await settle(tutor.socket, admin.socket, alice.socket, bob.socket);

    const before = await snapshot(server, [tutor, admin, bob]);
    const journals = [tutor, admin, alice, bob].map((m) => journal(m.socket));

    const targets = [alice, bob, tutor, admin].map((m) => m.socket.id);
    const attempts: [string, object][] = [
      ['lower-all-hands', {}],
      ['lock-media', { kind: 'audio', locked: true }],
      ['lock-media', { kind: 'video', locked: false }],
      ['take-floor-back', {}],
      ['mute-all', {}],
      ...targets.flatMap((socketId): [string, object][] => [
        ['mute-participant', { socketId }],
        ['ask-unmute', { socketId }],
        ['give-floor', { socketId }],
        ['remove-participant', { socketId, reason: 'I can' }],
      ]),
      // Lowering another's hand (one's own is allowed, so only others here).
      ...targets.slice(1).map((socketId): [string, object] => ['lower-hand', { socketId }]),
    ];
    for (const [event, payload] of attempts) {
      const ack = await emitAck(alice.socket, event, payload);
      expect(ack, `${event} ${JSON.stringify(payload)}`).toEqual({
        ok: false,
        error: { code: 'forbidden', message: expect.any(String) },
      });
    }
    await settle(tutor.socket, admin.socket, alice.socket, bob.socket);

    expect(journals).toEqual([[], [], [], []]);
    expect(await snapshot(server, [tutor, admin, bob])).toEqual(before);
    expect(before.controls).toEqual(controls(false, true, 'bob'));
    expect(before.rosters[0]).toHaveLength(3);
    expect(alice.socket.connected).toBe(true);
  });
});

describe('tutor and admin targets', () => {
  it('a tutor may not mute, lower, ask, give the floor to or remove an admin; nothing changes', async () => {
    const { server, tutor, admin, alice } = await start();
    expectOk(await emitAck(admin.socket, 'raise-hand', {}));
    await settle(tutor.socket, admin.socket);
    const before = await snapshot(server, [alice, tutor]);
    const adminSaw = journal(admin.socket);
    const aliceSaw = journal(alice.socket);

    const socketId = admin.socket.id;
    for (const [event, payload] of [
      ['mute-participant', { socketId }],
      ['lower-hand', { socketId }],
      ['ask-unmute', { socketId }],
      ['give-floor', { socketId }],
      ['remove-participant', { socketId }],
    ] as const) {
      expectFail(await emitAck(tutor.socket, event, payload), 'forbidden');
    }
    await settle(admin.socket, alice.socket, tutor.socket);
    expect(adminSaw).toEqual([]);
    expect(aliceSaw).toEqual([]);
    expect(admin.socket.connected).toBe(true);
    expect(await snapshot(server, [alice, tutor])).toEqual(before);
  });

  it("a tutor's lower-all-hands leaves the admin's hand up; a tutor may not take the floor back from an admin", async () => {
    const { tutor, admin, alice } = await start();
    expectOk(await emitAck(admin.socket, 'raise-hand', {}));
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    expect(expectOk(await emitAck(tutor.socket, 'lower-all-hands', {})).lowered).toBe(1);
    expect(queueOf(await rosterOf(tutor.socket, CLASS))).toEqual(['admin']);

    expectOk(await emitAck(admin.socket, 'give-floor', { socketId: admin.socket.id }));
    await settle(admin.socket);
    const adminForced = record(admin.socket, 'force-mute');
    expectFail(await emitAck(tutor.socket, 'take-floor-back', {}), 'forbidden');
    await settle(admin.socket);
    expect(adminForced).toEqual([]);
    expect(byUser(await rosterOf(tutor.socket, CLASS), 'admin')?.isAudioOn).toBe(true);
  });

  it('an admin may do all of it to a tutor', async () => {
    const { tutor, admin, alice } = await start();
    expectOk(await emitAck(tutor.socket, 'raise-hand', {}));

    const forced = nextEvent(tutor.socket, 'force-mute');
    const muted = expectOk(await emitAck(admin.socket, 'mute-participant', { socketId: tutor.socket.id }));
    expect(muted.participant).toMatchObject({ userId: 'tutor', isAudioOn: false });
    expect(await forced).toEqual({ by: 'Admin' });

    const lowered = expectOk(await emitAck(admin.socket, 'lower-hand', { socketId: tutor.socket.id }));
    expect(lowered.participant).toMatchObject({ userId: 'tutor', isHandRaised: false });

    const asked = nextEvent(tutor.socket, 'unmute-requested');
    expectOk(await emitAck(admin.socket, 'ask-unmute', { socketId: tutor.socket.id }));
    expect(await asked).toEqual({ by: 'Admin' });

    const updated = nextEvent(alice.socket, 'class-updated');
    const floor = expectOk(await emitAck(admin.socket, 'give-floor', { socketId: tutor.socket.id }));
    expect(floor.controls).toEqual(controls(false, false, 'tutor'));
    expect(await updated).toEqual(floor.controls);

    const removed = nextEvent(tutor.socket, 'removed');
    const gone = disconnected(tutor.socket);
    const left = nextEvent(alice.socket, 'user-left');
    expectOk(await emitAck(admin.socket, 'remove-participant', { socketId: tutor.socket.id, reason: 'wrong class' }));
    expect(await removed).toEqual({ by: 'Admin', reason: 'wrong class' });
    expect(await gone).toBe('io server disconnect');
    expect(await left).toEqual({ socketId: tutor.self.socketId });
    expect((await rosterOf(alice.socket, CLASS)).map((p) => p.userId)).toEqual(['admin', 'bob']);
  });

  it('a tutor may moderate another tutor (same rank)', async () => {
    const { server, tutor, alice } = await start();
    const co = await joinAs(server, 'tutor', CLASS, { name: 'Mr Co', userId: 'co' });
    const forced = nextEvent(co.socket, 'force-mute');
    const ack = expectOk(await emitAck(tutor.socket, 'mute-participant', { socketId: co.socket.id }));
    expect(ack.participant).toMatchObject({ userId: 'co', isAudioOn: false });
    expect(await forced).toEqual({ by: 'Ms Tutor' });
    const removed = nextEvent(tutor.socket, 'removed');
    expectOk(await emitAck(co.socket, 'remove-participant', { socketId: tutor.socket.id }));
    expect(await removed).toEqual({ by: 'Mr Co', reason: null });
    expect((await rosterOf(alice.socket, CLASS)).map((p) => p.userId)).toEqual(['admin', 'bob', 'co']);
  });
});

describe('forged fields in payloads are ignored', () => {
  it('a student claiming to be a tutor or admin is still forbidden', async () => {
    const { server, tutor, alice, bob } = await start();
    const before = await snapshot(server, [tutor]);
    const tutorSaw = journal(tutor.socket);
    const forged = { role: 'admin', userId: 'tutor', from: tutor.socket.id, by: 'Ms Tutor' };
    expectFail(await emitAck(alice.socket, 'lock-media', { kind: 'audio', locked: true, ...forged }), 'forbidden');
    expectFail(await emitAck(alice.socket, 'give-floor', { socketId: alice.socket.id, ...forged }), 'forbidden');
    expectFail(await emitAck(alice.socket, 'remove-participant', { socketId: bob.socket.id, ...forged }), 'forbidden');
    expectFail(await emitAck(alice.socket, 'lower-all-hands', forged), 'forbidden');
    expectFail(await emitAck(alice.socket, 'take-floor-back', forged), 'forbidden');
    await settle(tutor.socket, alice.socket);
    expect(tutorSaw).toEqual([]);
    expect(await snapshot(server, [tutor])).toEqual(before);
  });

  it('a tutor’s forged fields change neither the target nor who it is said to come from', async () => {
    const { server, tutor, alice, bob } = await start();
    const bobSaw = journal(bob.socket);

    const asked = nextEvent(alice.socket, 'unmute-requested');
    expectOk(await emitAck(tutor.socket, 'ask-unmute', { socketId: alice.socket.id, by: 'Admin', from: bob.socket.id }));
    expect(await asked).toEqual({ by: 'Ms Tutor' });

    const locked = expectOk(
      await emitAck(tutor.socket, 'lock-media', {
        kind: 'audio',
        locked: true,
        floorUserId: 'alice',
        locks: { audio: false, video: true },
      }),
    );
    expect(locked.controls).toEqual(controls(true, false, null));
    expect((await server.store.read(CLASS)).controls).toEqual(controls(true, false, null));
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'audio', locked: false }));

    const removed = nextEvent(alice.socket, 'removed');
    expectOk(
      await emitAck(tutor.socket, 'remove-participant', {
        socketId: alice.socket.id,
        userId: 'bob',
        from: bob.socket.id,
        by: 'Admin',
      }),
    );
    expect(await removed).toEqual({ by: 'Ms Tutor', reason: null });
    await settle(bob.socket);
    expect(bobSaw.filter(([e]) => e === 'removed' || e === 'unmute-requested')).toEqual([]);
    expect(bob.socket.connected).toBe(true);
    const roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.map((p) => p.userId)).toEqual(['admin', 'bob']);
    expect((await server.store.read(CLASS)).removed).toEqual(['alice']);
  });
});

describe('lock-media', () => {
  it('locking microphones: students get force-mute and class-updated; unmuting is forbidden until unlocked', async () => {
    const { tutor, admin, alice, bob } = await start();
    const forced = [alice, bob].map((m) => nextEvent(m.socket, 'force-mute'));
    const updates = [tutor, admin, alice, bob].map((m) => nextEvent(m.socket, 'class-updated'));
    const tutorForced = record(tutor.socket, 'force-mute');
    const adminForced = record(admin.socket, 'force-mute');
    const muted = record(tutor.socket, 'participant-updated');

    const ack = expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'audio', locked: true }));
    expect(ack.controls).toEqual(controls(true, false, null));
    expect(await Promise.all(forced)).toEqual([{ by: 'Ms Tutor' }, { by: 'Ms Tutor' }]);
    for (const c of await Promise.all(updates)) expect(c).toEqual(ack.controls);
    await settle(tutor.socket, admin.socket);
    expect(tutorForced).toEqual([]);
    expect(adminForced).toEqual([]);
    expect(muted.map((p) => [p.userId, p.isAudioOn])).toEqual([
      ['alice', false],
      ['bob', false],
    ]);

    const aliceUpdates = record(tutor.socket, 'participant-updated');
    expectFail(await emitAck(alice.socket, 'toggle-audio', { enabled: true }), 'forbidden');
    await settle(tutor.socket, alice.socket);
    expect(aliceUpdates).toEqual([]);
    expect(byUser(await rosterOf(tutor.socket, CLASS), 'alice')?.isAudioOn).toBe(false);
    // Moderators are never locked; cameras are not locked by a microphone lock.
    expectOk(await emitAck(tutor.socket, 'toggle-audio', { enabled: false }));
    expect(expectOk(await emitAck(tutor.socket, 'toggle-audio', { enabled: true })).self.isAudioOn).toBe(true);
    expectOk(await emitAck(alice.socket, 'toggle-video', { enabled: false }));
    expectOk(await emitAck(alice.socket, 'toggle-video', { enabled: true }));

    const unlocked = nextEvent(alice.socket, 'class-updated');
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'audio', locked: false }));
    expect(await unlocked).toEqual(controls(false, false, null));
    const on = expectOk(await emitAck(alice.socket, 'toggle-audio', { enabled: true }));
    expect(on.self).toMatchObject({ userId: 'alice', isAudioOn: true });
  });

  it('locking cameras: students get force-video-off; turning the camera on is forbidden', async () => {
    const { admin, tutor, alice, bob } = await start();
    const forced = [alice, bob].map((m) => nextEvent(m.socket, 'force-video-off'));
    const tutorForced = record(tutor.socket, 'force-video-off');
    const ack = expectOk(await emitAck(admin.socket, 'lock-media', { kind: 'video', locked: true }));
    expect(ack.controls).toEqual(controls(false, true, null));
    expect(await Promise.all(forced)).toEqual([{ by: 'Admin' }, { by: 'Admin' }]);
    expectFail(await emitAck(bob.socket, 'toggle-video', { enabled: true }), 'forbidden');
    await settle(tutor.socket);
    expect(tutorForced).toEqual([]);
    const roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.map((p) => [p.userId, p.isVideoOn, p.isAudioOn])).toEqual([
      ['admin', true, true],
      ['alice', false, true],
      ['bob', false, true],
    ]);
  });
});

describe('give-floor and take-floor-back', () => {
  it('exactly one student may unmute while microphones are locked', async () => {
    const { tutor, alice, bob } = await start();
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'audio', locked: true }));
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    // Everything the lock sent has landed before the floor moves.
    await settle(tutor.socket, alice.socket, bob.socket);

    const asked = nextEvent(alice.socket, 'unmute-requested');
    const updated = nextEvent(bob.socket, 'class-updated');
    const handDown = nextEvent(tutor.socket, 'participant-updated', {
      where: (p) => p.userId === 'alice' && !p.isHandRaised,
    });
    const floor = expectOk(await emitAck(tutor.socket, 'give-floor', { socketId: alice.socket.id }));
    expect(floor.controls).toEqual(controls(true, false, 'alice'));
    expect(await asked).toEqual({ by: 'Ms Tutor' });
    expect(await updated).toEqual(floor.controls);
    expect(await handDown).toMatchObject({ isHandRaised: false, handRaisedAt: null, isAudioOn: false });

    expect(expectOk(await emitAck(alice.socket, 'toggle-audio', { enabled: true })).self.isAudioOn).toBe(true);
    expectFail(await emitAck(bob.socket, 'toggle-audio', { enabled: true }), 'forbidden');

    // The floor moves to Bob: Alice is muted and locked again.
    const aliceForced = nextEvent(alice.socket, 'force-mute');
    expectOk(await emitAck(tutor.socket, 'give-floor', { socketId: bob.socket.id }));
    expect(await aliceForced).toEqual({ by: 'Ms Tutor' });
    expectFail(await emitAck(alice.socket, 'toggle-audio', { enabled: true }), 'forbidden');
    expectOk(await emitAck(bob.socket, 'toggle-audio', { enabled: true }));
    let roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.filter((p) => p.role === 'student' && p.isAudioOn).map((p) => p.userId)).toEqual(['bob']);

    // Taken back: Bob is muted, nobody holds the floor.
    const bobForced = nextEvent(bob.socket, 'force-mute');
    const cleared = nextEvent(alice.socket, 'class-updated', { where: (c) => c.floorUserId === null });
    const back = expectOk(await emitAck(tutor.socket, 'take-floor-back', {}));
    expect(back.controls).toEqual(controls(true, false, null));
    expect(await bobForced).toEqual({ by: 'Ms Tutor' });
    expect(await cleared).toEqual(controls(true, false, null));
    expectFail(await emitAck(bob.socket, 'toggle-audio', { enabled: true }), 'forbidden');
    roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.filter((p) => p.role === 'student' && p.isAudioOn)).toEqual([]);
  });
});

describe('remove-participant', () => {
  it('the target gets removed and is disconnected; the same token (or a fresh one) may not join again', async () => {
    const { server, tutor, alice, bob } = await start();
    const aliceSaw = journal(alice.socket);
    const gone = disconnected(alice.socket);
    const left = [tutor, bob].map((m) => nextEvent(m.socket, 'user-left'));
    expectOk(await emitAck(tutor.socket, 'remove-participant', { socketId: alice.socket.id, reason: 'disruptive' }));
    expect(await gone).toBe('io server disconnect');
    expect(aliceSaw).toContainEqual(['removed', { by: 'Ms Tutor', reason: 'disruptive' }]);
    expect(aliceSaw.map(([e]) => e)).not.toContain('session-replaced');
    for (const l of await Promise.all(left)) expect(l).toEqual({ socketId: alice.self.socketId });

    const again = await server.connect(alice.token);
    const joined = record(tutor.socket, 'user-joined');
    const refused = expectFail(await emitAck(again, 'join-session', { sessionId: CLASS }), 'forbidden');
    expect(refused.error.message).toMatch(/removed/i);
    const fresh = await server.connect(await server.mint('student', CLASS, 'Alice', 'alice'));
    expectFail(await emitAck(fresh, 'join-session', { sessionId: CLASS, isAudioOn: true }), 'forbidden');
    expectFail(await emitAck(fresh, 'raise-hand', {}), 'not_in_session');
    await settle(tutor.socket);
    expect(joined).toEqual([]);
    expect((await rosterOf(tutor.socket, CLASS)).map((p) => p.userId)).toEqual(['admin', 'bob']);
  });

  it('a removed floor holder loses the floor; the class is told', async () => {
    const { server, tutor, bob, alice } = await start();
    const given = nextEvent(bob.socket, 'class-updated');
    expectOk(await emitAck(tutor.socket, 'give-floor', { socketId: alice.socket.id }));
    expect(await given).toEqual(controls(false, false, 'alice'));
    const cleared = nextEvent(bob.socket, 'class-updated');
    expectOk(await emitAck(tutor.socket, 'remove-participant', { socketId: alice.socket.id }));
    expect(await cleared).toEqual(controls(false, false, null));
    expect((await server.store.read(CLASS)).controls.floorUserId).toBeNull();
  });

  it('a moderator removing themselves is forbidden', async () => {
    const { tutor, admin } = await start();
    expectFail(await emitAck(tutor.socket, 'remove-participant', { socketId: tutor.socket.id }), 'forbidden');
    expectFail(await emitAck(admin.socket, 'remove-participant', { socketId: admin.socket.id }), 'forbidden');
    expect((await rosterOf(admin.socket, CLASS)).map((p) => p.userId)).toContain('tutor');
  });
});

describe('removal and locks outlive reconnecting', () => {
  it('a locked student coming back (new connection, same token) comes in muted and dark, and stays locked', async () => {
    const { server, tutor, alice } = await start();
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'audio', locked: true }));
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'video', locked: true }));

    const back = await server.connect(alice.token);
    const ack = expectOk(await emitAck(back, 'join-session', { sessionId: CLASS, isAudioOn: true, isVideoOn: true }));
    expect(ack.self).toMatchObject({ userId: 'alice', isAudioOn: false, isVideoOn: false });
    expect(ack.controls).toEqual(controls(true, true, null));
    expectFail(await emitAck(back, 'toggle-audio', { enabled: true }), 'forbidden');
    expectFail(await emitAck(back, 'toggle-video', { enabled: true }), 'forbidden');
    const roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.filter((p) => p.userId === 'alice')).toEqual([{ ...ack.self, isAudioOn: false, isVideoOn: false }]);
  });

  it('a muted student coming back after a dropped connection stays muted, even asking for the microphone', async () => {
    const { server, tutor, alice } = await start({ grace: { networkMs: 5000, closeMs: 5000 } });
    expectOk(await emitAck(tutor.socket, 'mute-participant', { socketId: alice.socket.id }));
    const away = nextEvent(tutor.socket, 'participant-updated', { where: (p) => p.presence === 'reconnecting' });
    alice.socket.io.engine.close();
    expect(await away).toMatchObject({ userId: 'alice', isAudioOn: false });
    const back = await server.connect(alice.token);
    const ack = expectOk(await emitAck(back, 'join-session', { sessionId: CLASS, isAudioOn: true }));
    expect(ack.self).toMatchObject({ isAudioOn: false, presence: 'online' });
  });

  it('the removal and the locks hold even after everyone left the class', async () => {
    const { server, tutor, admin, alice, bob } = await start();
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'audio', locked: true }));
    expectOk(await emitAck(tutor.socket, 'remove-participant', { socketId: alice.socket.id }));
    for (const m of [bob, admin, tutor]) expectOk(await emitAck(m.socket, 'leave-session', {}));

    const removed = await server.connect(alice.token);
    expectFail(await emitAck(removed, 'join-session', { sessionId: CLASS }), 'forbidden');
    const back = await server.connect(bob.token);
    const ack = expectOk(await emitAck(back, 'join-session', { sessionId: CLASS, isAudioOn: true }));
    expect(ack.self.isAudioOn).toBe(false);
    expect(ack.controls.locks.audio).toBe(true);
  });
});

describe('a dropped connection and the reconnection grace', () => {
  it('the raiser dropping and coming back within the grace keeps one participant and the first place in the queue', async () => {
    let clock = 1_000_000;
    const { server, tutor, alice, bob } = await start({
      now: () => (clock += 10),
      grace: { networkMs: 5000, closeMs: 5000 },
    });
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    expectOk(await emitAck(bob.socket, 'raise-hand', {}));
    expect(queueOf(await rosterOf(tutor.socket, CLASS))).toEqual(['alice', 'bob']);

    const tutorSaw = journal(tutor.socket);
    const bobSaw = journal(bob.socket);
    const seen = [tutor, bob].map((m) =>
      nextEvent(m.socket, 'participant-updated', { where: (p) => p.userId === 'alice' && p.presence === 'reconnecting' }),
    );
    const aliceDropped = disconnected(alice.socket);
    alice.socket.io.engine.close();
    await aliceDropped;
    for (const p of await Promise.all(seen)) {
      expect(p).toEqual({ ...alice.self, isHandRaised: true, handRaisedAt: expect.any(Number), presence: 'reconnecting' });
    }
    // Held, not gone: still in the roster, still first in the queue, nobody told they left.
    await new Promise((r) => setTimeout(r, 200));
    const during = await rosterOf(tutor.socket, CLASS);
    expect(byUser(during, 'alice')?.presence).toBe('reconnecting');
    expect(queueOf(during)).toEqual(['alice', 'bob']);
    for (const saw of [tutorSaw, bobSaw]) expect(saw.map(([e]) => e)).not.toContain('user-left');

    // Back with the same token.
    const back = await server.connect(alice.token);
    const ack = expectOk(await emitAck(back, 'join-session', { sessionId: CLASS }));
    expect(ack.self).toMatchObject({ userId: 'alice', socketId: back.id, presence: 'online', isHandRaised: true });
    await settle(tutor.socket, bob.socket);

    const after = await rosterOf(tutor.socket, CLASS);
    expect(after.filter((p) => p.userId === 'alice')).toEqual([ack.self]);
    expect(queueOf(after)).toEqual(['alice', 'bob']);
    for (const saw of [tutorSaw, bobSaw]) {
      // The newcomer first, then the old socket goes: no screen ever shows Alice gone.
      const order = saw.filter(([e]) => e === 'user-joined' || e === 'user-left');
      expect(order).toEqual([
        ['user-joined', ack.self],
        ['user-left', { socketId: alice.self.socketId }],
      ]);
    }
  });

  it('a connection that drops without the page saying it is closing gets the longer network grace', async () => {
    const { tutor, alice } = await start({ grace: { networkMs: 1500, closeMs: 100 } });
    const left = nextEvent(tutor.socket, 'user-left', { timeout: 4000 });
    const droppedAt = Date.now();
    alice.socket.io.engine.close();
    expect(await left).toEqual(leftWithLine(alice));
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(1400);
  });

  it('a browser that closes the socket as "going away" (1001, a closed tab) gets the short grace, even without the goodbye event', async () => {
    const { tutor, alice } = await start({ grace: { networkMs: 5000, closeMs: 200 } });
    const left = nextEvent(tutor.socket, 'user-left', { timeout: 3000 });
    const droppedAt = Date.now();
    // What a browser does to its open WebSockets when a tab closes: a close frame with 1001.
    const ws = (alice.socket.io.engine.transport as unknown as { ws: { close(code: number): void } }).ws;
    ws.close(1001);
    expect(await left).toEqual(leftWithLine(alice));
    const waited = Date.now() - droppedAt;
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(3000);
  });

  it('past the grace the participant leaves: user-left for the others, and coming back later is a fresh start', async () => {
    const { server, tutor, alice, bob } = await start({ grace: { networkMs: 5000, closeMs: 300 } });
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    const away = nextEvent(tutor.socket, 'participant-updated', { where: (p) => p.presence === 'reconnecting' });
    const left = [tutor, bob].map((m) => nextEvent(m.socket, 'user-left', { timeout: 3000 }));
    // The page says it is unloading (as a closed tab does), then its connection goes.
    expectOk(await emitAck(alice.socket, 'page-closing', {}));
    const droppedAt = Date.now();
    alice.socket.io.engine.close();
    expect(await away).toMatchObject({ userId: 'alice' });
    for (const l of await Promise.all(left)) expect(l).toEqual(leftWithLine(alice));
    // The closeMs grace applied (the page said it was closing), not the longer network one.
    const waited = Date.now() - droppedAt;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3000);
    expect((await rosterOf(tutor.socket, CLASS)).map((p) => p.userId)).toEqual(['admin', 'bob']);

    const back = await server.connect(alice.token);
    const ack = expectOk(await emitAck(back, 'join-session', { sessionId: CLASS }));
    expect(ack.self).toMatchObject({ isHandRaised: false, handRaisedAt: null, presence: 'online' });
  });

  it('a client that says goodbye (disconnect()) leaves at once, with no grace', async () => {
    const { tutor, alice } = await start({ grace: { networkMs: 5000, closeMs: 5000 } });
    const updates = record(tutor.socket, 'participant-updated');
    const left = nextEvent(tutor.socket, 'user-left', { timeout: 1500 });
    alice.socket.disconnect();
    expect(await left).toEqual(leftWithLine(alice));
    expect(updates.filter((p) => p.presence === 'reconnecting')).toEqual([]);
  });
});
