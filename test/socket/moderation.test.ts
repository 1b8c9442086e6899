import { describe, expect, it } from 'vitest';
import {
  emitAck,
  expectFail,
  expectOk,
  joinAs,
  nextEvent,
  record,
  rosterOf,
  settle,
  startTestServer,
  type TestServer,
} from '../helpers/server';

const CLASS = 'class-a';

/** A tutor and two students in CLASS. */
async function classroom(server: TestServer) {
  const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
  const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
  const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });
  return { tutor, alice, bob };
}

describe('toggle-audio / toggle-video', () => {
  it('everyone in the class, the sender included, gets participant-updated', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const seen = [tutor, alice, bob].map((m) => nextEvent(m.socket, 'participant-updated'));
    const ack = expectOk(await emitAck(alice.socket, 'toggle-audio', { enabled: false }));
    expect(ack.self).toMatchObject({ socketId: alice.socket.id, isAudioOn: false, isVideoOn: true });
    for (const p of await Promise.all(seen)) expect(p).toEqual(ack.self);

    const video = [tutor, alice, bob].map((m) => nextEvent(m.socket, 'participant-updated'));
    const ack2 = expectOk(await emitAck(alice.socket, 'toggle-video', { enabled: false }));
    expect(ack2.self).toMatchObject({ isAudioOn: false, isVideoOn: false });
    for (const p of await Promise.all(video)) expect(p).toEqual(ack2.self);

    const roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.find((p) => p.userId === 'alice')).toMatchObject({ isAudioOn: false, isVideoOn: false });
    expect(roster.find((p) => p.userId === 'bob')).toMatchObject({ isAudioOn: true, isVideoOn: true });
  });

  it('a forged userId or socketId in the payload toggles only the sender', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const ack = expectOk(
      await emitAck(alice.socket, 'toggle-audio', { enabled: false, userId: 'bob', socketId: bob.socket.id }),
    );
    expect(ack.self.socketId).toBe(alice.socket.id);
    const roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.find((p) => p.userId === 'bob')?.isAudioOn).toBe(true);
    expect(roster.find((p) => p.userId === 'alice')?.isAudioOn).toBe(false);
  });

  it('is not_in_session before joining', async () => {
    const server = await startTestServer();
    const socket = await server.connect(await server.mint('student', CLASS));
    expectFail(await emitAck(socket, 'toggle-audio', { enabled: false }), 'not_in_session');
    expectFail(await emitAck(socket, 'toggle-video', { enabled: true }), 'not_in_session');
  });
});

describe('raise-hand / lower-hand', () => {
  it('raising and lowering one’s own hand is told to everyone', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const up = [tutor, bob].map((m) => nextEvent(m.socket, 'participant-updated'));
    const raised = expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    expect(raised.self).toMatchObject({ socketId: alice.socket.id, isHandRaised: true, handRaisedAt: expect.any(Number) });
    for (const p of await Promise.all(up)) expect(p).toEqual(raised.self);

    const down = [tutor, bob].map((m) => nextEvent(m.socket, 'participant-updated'));
    const lowered = expectOk(await emitAck(alice.socket, 'lower-hand', {}));
    expect(lowered.participant).toMatchObject({ socketId: alice.socket.id, isHandRaised: false, handRaisedAt: null });
    for (const p of await Promise.all(down)) expect(p).toEqual(lowered.participant);
  });

  it('raise-hand with no payload at all works; raising again keeps the place', async () => {
    const server = await startTestServer();
    const { tutor, alice } = await classroom(server);
    const first = expectOk(await emitAck(alice.socket, 'raise-hand'));
    await settle(tutor.socket);
    const updates = record(tutor.socket, 'participant-updated');
    const again = expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    expect(again.self.handRaisedAt).toBe(first.self.handRaisedAt);
    await settle(tutor.socket);
    expect(updates).toEqual([]);
  });

  it('the hand queue (raised hands by handRaisedAt) follows the order of raising', async () => {
    let clock = 1_000;
    const server = await startTestServer({ now: () => (clock += 10) });
    const { tutor, alice, bob } = await classroom(server);
    expectOk(await emitAck(bob.socket, 'raise-hand', {}));
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    const queue = async () =>
      (await rosterOf(tutor.socket, CLASS))
        .filter((p) => p.isHandRaised)
        .sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0))
        .map((p) => p.userId);
    expect(await queue()).toEqual(['bob', 'alice']);
    expectOk(await emitAck(bob.socket, 'lower-hand', {}));
    expectOk(await emitAck(bob.socket, 'raise-hand', {}));
    expect(await queue()).toEqual(['alice', 'bob']);
  });

  it('a forged userId or socketId in raise-hand raises only the sender’s hand', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const ack = expectOk(await emitAck(alice.socket, 'raise-hand', { userId: 'bob', socketId: bob.socket.id }));
    expect(ack.self).toMatchObject({ userId: 'alice', isHandRaised: true });
    const roster = await rosterOf(tutor.socket, CLASS);
    expect(roster.filter((p) => p.isHandRaised).map((p) => p.userId)).toEqual(['alice']);
  });

  it("a tutor lowers a student's hand", async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    const seen = [alice, bob].map((m) =>
      nextEvent(m.socket, 'participant-updated', { where: (p) => p.socketId === alice.socket.id && !p.isHandRaised }),
    );
    const ack = expectOk(await emitAck(tutor.socket, 'lower-hand', { socketId: alice.socket.id }));
    expect(ack.participant).toMatchObject({ socketId: alice.socket.id, isHandRaised: false, handRaisedAt: null });
    for (const p of await Promise.all(seen)) expect(p).toEqual(ack.participant);
  });

  it("an admin lowers a tutor's hand", async () => {
    const server = await startTestServer();
    const { tutor } = await classroom(server);
    const admin = await joinAs(server, 'admin', CLASS, { tokenFor: '*' });
    expectOk(await emitAck(tutor.socket, 'raise-hand', {}));
    const ack = expectOk(await emitAck(admin.socket, 'lower-hand', { socketId: tutor.socket.id }));
    expect(ack.participant).toMatchObject({ socketId: tutor.socket.id, isHandRaised: false });
  });

  it("a student lowering someone else's hand is forbidden and changes nothing", async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const raised = expectOk(await emitAck(bob.socket, 'raise-hand', {}));
    await settle(tutor.socket);
    const updates = record(tutor.socket, 'participant-updated');
    expectFail(await emitAck(alice.socket, 'lower-hand', { socketId: bob.socket.id }), 'forbidden');
    await settle(tutor.socket, alice.socket);
    expect(updates).toEqual([]);
    expect((await rosterOf(tutor.socket, CLASS)).find((p) => p.userId === 'bob')).toEqual(raised.self);
  });
});

describe('mute-participant', () => {
  it('a student gets forbidden and nothing changes', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const forced = record(bob.socket, 'force-mute');
    const updates = record(tutor.socket, 'participant-updated');
    expectFail(await emitAck(alice.socket, 'mute-participant', { socketId: bob.socket.id }), 'forbidden');
    expectFail(await emitAck(alice.socket, 'mute-participant', { socketId: tutor.socket.id }), 'forbidden');
    await settle(bob.socket, tutor.socket);
    expect(forced).toEqual([]);
    expect(updates).toEqual([]);
    const roster = await rosterOf(alice.socket, CLASS);
    expect(roster.every((p) => p.isAudioOn)).toBe(true);
  });

  it('a tutor mutes a student: force-mute to the target, participant-updated to everyone', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const forced = nextEvent(alice.socket, 'force-mute');
    const bobForced = record(bob.socket, 'force-mute');
    const seen = [tutor, alice, bob].map((m) => nextEvent(m.socket, 'participant-updated'));
    const ack = expectOk(await emitAck(tutor.socket, 'mute-participant', { socketId: alice.socket.id }));
    expect(ack.participant).toMatchObject({ socketId: alice.socket.id, userId: 'alice', isAudioOn: false });
    expect(await forced).toEqual({ by: 'Ms Tutor' });
    for (const p of await Promise.all(seen)) expect(p).toEqual(ack.participant);
    await settle(bob.socket);
    expect(bobForced).toEqual([]);
    expect((await rosterOf(tutor.socket, CLASS)).map((p) => [p.userId, p.isAudioOn])).toEqual([
      ['alice', false],
      ['bob', true],
    ]);
  });

  it('a tutor may not mute an admin; an admin may mute the tutor', async () => {
    const server = await startTestServer();
    const { tutor } = await classroom(server);
    const admin = await joinAs(server, 'admin', CLASS, { tokenFor: '*', name: 'Admin', isAudioOn: true });
    const adminForced = record(admin.socket, 'force-mute');
    expectFail(await emitAck(tutor.socket, 'mute-participant', { socketId: admin.socket.id }), 'forbidden');
    await settle(admin.socket);
    expect(adminForced).toEqual([]);

    const forced = nextEvent(tutor.socket, 'force-mute');
    const ack = expectOk(await emitAck(admin.socket, 'mute-participant', { socketId: tutor.socket.id }));
    expect(ack.participant).toMatchObject({ socketId: tutor.socket.id, isAudioOn: false });
    expect(await forced).toEqual({ by: 'Admin' });
  });

  it('a forged userId in the payload does not change who is muted', async () => {
    const server = await startTestServer();
    const { tutor, alice } = await classroom(server);
    const ack = expectOk(
      await emitAck(tutor.socket, 'mute-participant', { socketId: alice.socket.id, userId: 'bob' }),
    );
    expect(ack.participant.userId).toBe('alice');
    expect((await rosterOf(tutor.socket, CLASS)).find((p) => p.userId === 'bob')?.isAudioOn).toBe(true);
  });

  it('a target outside the class is not_in_session', async () => {
    const server = await startTestServer();
    const { tutor } = await classroom(server);
    const elsewhere = await joinAs(server, 'student', 'class-b');
    const forced = record(elsewhere.socket, 'force-mute');
    expectFail(await emitAck(tutor.socket, 'mute-participant', { socketId: elsewhere.socket.id }), 'not_in_session');
    await settle(elsewhere.socket);
    expect(forced).toEqual([]);
  });
});

describe('mute-all', () => {
  it('a student gets forbidden and nothing changes', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const forced = record(bob.socket, 'force-mute');
    const updates = record(tutor.socket, 'participant-updated');
    expectFail(await emitAck(alice.socket, 'mute-all', {}), 'forbidden');
    await settle(bob.socket, tutor.socket);
    expect(forced).toEqual([]);
    expect(updates).toEqual([]);
    expect((await rosterOf(tutor.socket, CLASS)).every((p) => p.isAudioOn)).toBe(true);
  });

  it('a tutor mutes every student, not itself', async () => {
    const server = await startTestServer();
    const { tutor, alice, bob } = await classroom(server);
    const forced = [alice, bob].map((m) => nextEvent(m.socket, 'force-mute'));
    const tutorForced = record(tutor.socket, 'force-mute');
    const updates = record(tutor.socket, 'participant-updated');
    const ack = expectOk(await emitAck(tutor.socket, 'mute-all', {}));
    expect(ack.muted).toBe(2);
    expect(await Promise.all(forced)).toEqual([{ by: 'Ms Tutor' }, { by: 'Ms Tutor' }]);
    await settle(tutor.socket);
    expect(tutorForced).toEqual([]);
    expect(updates.map((p) => [p.userId, p.isAudioOn]).sort()).toEqual([
      ['alice', false],
      ['bob', false],
    ]);
    const roster = await rosterOf(alice.socket, CLASS);
    expect(roster.map((p) => [p.userId, p.isAudioOn]).sort()).toEqual([
      ['bob', false],
      ['tutor', true],
    ]);
  });

  it('an admin may mute all too', async () => {
    const server = await startTestServer();
    const { alice } = await classroom(server);
    const admin = await joinAs(server, 'admin', CLASS, { tokenFor: '*' });
    const forced = nextEvent(alice.socket, 'force-mute');
    expect(expectOk(await emitAck(admin.socket, 'mute-all', {})).muted).toBe(2);
    expect(await forced).toEqual({ by: expect.any(String) });
  });
});
