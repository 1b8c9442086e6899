import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol';
import { historyPage, ISO, say, sleep, systemMessage } from '../chat/support';
import {
  emitAck,
  expectFail,
  expectOk,
  joinAs,
  nextEvent,
  record,
  settle,
  startTestServer,
  type TestSocket,
} from '../helpers/server';

const CLASS = 'chat-sys';
const OTHER = 'chat-sys-other';

const systemTexts = (messages: ChatMessage[]) => messages.filter((m) => m.type === 'system').map((m) => m.text);

/** The tutor posts a marker and waits for it: everything noted before it has been stored and sent. */
async function barrier(tutor: TestSocket, ...others: TestSocket[]) {
  await say(tutor, 'barrier');
  await settle(tutor, ...others);
}

describe('system messages from the class rules', () => {
  it('joining: a system line to the class with user-joined, to the joiner with its ack, and in the history', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const outsider = await joinAs(server, 'student', OTHER, { name: 'Olga', userId: 'olga' });
    await settle(tutor.socket, outsider.socket);
    const outsiderSees = record(outsider.socket, 'chat-message');

    const tutorChat = record(tutor.socket, 'chat-message');
    const tutorSees = nextEvent(tutor.socket, 'user-joined');
    const token = await server.mint('student', CLASS, 'Alice', 'alice');
    const socket = await server.connect(token);
    const joined = expectOk(await emitAck(socket, 'join-session', { sessionId: CLASS }));
    const { note, ...participant } = await tutorSees;
    expect(participant).toEqual(joined.self);
    expect(note).toEqual({
      id: expect.any(String),
      sessionId: CLASS,
      userId: 'alice',
      userName: 'Alice',
      role: 'student',
      text: 'Alice joined the class',
      type: 'system',
      createdAt: expect.stringMatching(ISO),
      editedAt: null,
    });
    expect(joined.note).toEqual(note);

    await barrier(tutor.socket, outsider.socket);
    const history = await historyPage(server, tutor.token, CLASS);
    expect(systemTexts(history)).toEqual(['Ms Tutor joined the class', 'Alice joined the class']);
    expect(history.find((m) => m.id === note?.id)).toEqual(note);
    expect(outsiderSees).toEqual([]);
    // One message per classmate: the line came with user-joined, not again as a chat-message.
    expect(tutorChat.filter((m) => m.type === 'system')).toEqual([]);
    expect(systemTexts(await historyPage(server, outsider.token, OTHER))).toEqual(['Olga joined the class']);
  });

  it('leaving, by leave-session or by disconnecting, is noted', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });

    const aliceLeft = systemMessage(tutor.socket, 'Alice left the class');
    const bobSees = systemMessage(bob.socket, 'Alice left the class');
    expectOk(await emitAck(alice.socket, 'leave-session', {}));
    const note = await aliceLeft;
    expect(note).toMatchObject({ type: 'system', userId: 'alice', userName: 'Alice', role: 'student', sessionId: CLASS });
    expect(await bobSees).toEqual(note);

    const bobLeft = systemMessage(tutor.socket, 'Bob left the class');
    bob.socket.disconnect();
    expect(await bobLeft).toMatchObject({ type: 'system', userId: 'bob' });

    await barrier(tutor.socket);
    expect(systemTexts(await historyPage(server, tutor.token, CLASS))).toEqual([
      'Ms Tutor joined the class',
      'Alice joined the class',
      'Bob joined the class',
      'Alice left the class',
      'Bob left the class',
    ]);
  });

  it('a tutor muting a student, mute all, and lowering someone else’s hand are noted as said by the tutor', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });
    await barrier(tutor.socket, alice.socket, bob.socket);

    const muted = systemMessage(alice.socket, 'Ms Tutor muted Alice');
    expectOk(await emitAck(tutor.socket, 'mute-participant', { socketId: alice.socket.id }));
    expect(await muted).toMatchObject({ type: 'system', userId: 'tutor', userName: 'Ms Tutor', role: 'tutor', sessionId: CLASS });

    const all = systemMessage(bob.socket, 'Ms Tutor muted all students');
    expectOk(await emitAck(tutor.socket, 'mute-all', {}));
    expect(await all).toMatchObject({ type: 'system', userId: 'tutor', role: 'tutor' });

    expectOk(await emitAck(bob.socket, 'raise-hand', {}));
    const lowered = systemMessage(bob.socket, 'Ms Tutor lowered Bob\'s hand');
    expectOk(await emitAck(tutor.socket, 'lower-hand', { socketId: bob.socket.id }));
    expect(await lowered).toMatchObject({ type: 'system', userId: 'tutor' });

    // Lowering one's own hand, and refused moderation, note nothing.
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    expectOk(await emitAck(alice.socket, 'lower-hand', {}));
    expectFail(await emitAck(bob.socket, 'mute-participant', { socketId: alice.socket.id }), 'forbidden');
    expectFail(await emitAck(bob.socket, 'mute-all', {}), 'forbidden');

    await barrier(tutor.socket, alice.socket, bob.socket);
    expect(systemTexts(await historyPage(server, tutor.token, CLASS))).toEqual([
      'Ms Tutor joined the class',
      'Alice joined the class',
      'Bob joined the class',
      'Ms Tutor muted Alice',
      'Ms Tutor muted all students',
      "Ms Tutor lowered Bob's hand",
    ]);
  });

  it('a reload (the same user joining again from a new socket) adds no second "joined" and no "left"', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const first = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    await barrier(tutor.socket, first.socket);
    const tutorSees = record(tutor.socket, 'chat-message');

    const replaced = nextEvent(first.socket, 'session-replaced');
    const gone = new Promise<void>((resolve) => first.socket.once('disconnect', () => resolve()));
    const again = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    await replaced;
    await gone;
    // And once more, the same socket joining again.
    expectOk(await emitAck(again.socket, 'join-session', { sessionId: CLASS }));

    await barrier(tutor.socket, again.socket);
    expect(tutorSees.filter((m) => m.type === 'system')).toEqual([]);
    expect(systemTexts(await historyPage(server, tutor.token, CLASS))).toEqual(['Ms Tutor joined the class', 'Alice joined the class']);
  });

  it('a real reload (the page’s connection closes first, the same user is back within the grace) adds no "left" and no second "joined"', async () => {
    const server = await startTestServer({ grace: { networkMs: 5_000, closeMs: 5_000 } });
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const first = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    await barrier(tutor.socket, first.socket);
    const tutorSees = record(tutor.socket, 'chat-message');

    // The old page goes away without saying goodbye: the server sees a transport close.
    const reconnecting = nextEvent(tutor.socket, 'participant-updated', { where: (p) => p.userId === 'alice' });
    first.socket.io.engine.close();
    await reconnecting;
    const again = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    expect(again.self.userId).toBe('alice');

    await barrier(tutor.socket, again.socket);
    expect(tutorSees.filter((m) => m.type === 'system')).toEqual([]);
    expect(systemTexts(await historyPage(server, tutor.token, CLASS))).toEqual(['Ms Tutor joined the class', 'Alice joined the class']);
  });

  it('someone whose connection closed and who does not come back within the grace is noted as having left, once', async () => {
    const server = await startTestServer({ grace: { networkMs: 150, closeMs: 150 } });
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    await barrier(tutor.socket, alice.socket);

    const left = systemMessage(tutor.socket, 'Alice left the class');
    alice.socket.io.engine.close();
    expect(await left).toMatchObject({ type: 'system', userId: 'alice', sessionId: CLASS });
    await sleep(300);
    await barrier(tutor.socket);
    expect(systemTexts(await historyPage(server, tutor.token, CLASS))).toEqual([
      'Ms Tutor joined the class',
      'Alice joined the class',
      'Alice left the class',
    ]);
  });
});
