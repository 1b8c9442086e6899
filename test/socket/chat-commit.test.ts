import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol';
import { heldChatStore, flakyChatStore, historyPage, ISO, sleep, systemMessage } from '../chat/support';
import { emitAck, expectFail, expectOk, joinAs, record, settle, startTestServer, type TestServer } from '../helpers/server';

const CLASS = 'chat-commit';
const OTHER = 'chat-commit-other';

/** A tutor and two students in CLASS, one student in OTHER; every join note already delivered. */
async function classroom(server: TestServer) {
  const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor-1' });
  const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
  const bobJoined = systemMessage(tutor.socket, 'Bob joined the class');
  const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });
  await bobJoined;
  const outsider = await joinAs(server, 'student', OTHER, { name: 'Olga', userId: 'olga' });
  await settle(tutor.socket, alice.socket, bob.socket, outsider.socket);
  return { tutor, alice, bob, outsider };
}

const textOnly = (seen: ChatMessage[]) => seen.filter((m) => m.type === 'text');

describe('chat-message: acknowledged only after the store commits', () => {
  it('holds the ack and the broadcast until append resolves, then both carry the stored message', async () => {
    const held = heldChatStore();
    const server = await startTestServer({ chat: held.store });
    const { tutor, alice, bob, outsider } = await classroom(server);
    const seen = {
      tutor: record(tutor.socket, 'chat-message'),
      alice: record(alice.socket, 'chat-message'),
      bob: record(bob.socket, 'chat-message'),
      outsider: record(outsider.socket, 'chat-message'),
    };

    held.hold();
    let acked = false;
    const ack = emitAck(alice.socket, 'chat-message', {
      text: 'Is this on the test?',
      userId: 'tutor-1',
      userName: 'Ms Tutor',
      role: 'admin',
      id: 'my-own-id',
      createdAt: '1999-01-01T00:00:00.000Z',
      type: 'system',
    }).then((a) => {
      acked = true;
      return a;
    });
    const pending = await held.nextHeld();
    // The store got the identity from the token, not from the payload.
    expect(pending.input).toEqual({
      sessionId: CLASS,
      userId: 'alice',
      userName: 'Alice',
      role: 'student',
      text: 'Is this on the test?',
      type: 'text',
    });
    // Give any premature ack or broadcast ample time to arrive.
    await sleep(150);
    expect(acked).toBe(false);
    for (const list of Object.values(seen)) expect(list).toEqual([]);
    expect(await historyPage(server, tutor.token, CLASS).then(textOnly)).toEqual([]);

    const committed = await pending.commit();
    const { message } = expectOk(await ack);
    expect(message).toEqual(committed);
    expect(message).toEqual({
      id: expect.any(String),
      sessionId: CLASS,
      userId: 'alice',
      userName: 'Alice',
      role: 'student',
      text: 'Is this on the test?',
      type: 'text',
      createdAt: expect.stringMatching(ISO),
      editedAt: null,
    });
    expect(message.id).not.toBe('my-own-id');
    expect(message.createdAt).not.toBe('1999-01-01T00:00:00.000Z');
    expect(Math.abs(Date.parse(message.createdAt) - Date.now())).toBeLessThan(10_000);

    await settle(tutor.socket, alice.socket, bob.socket, outsider.socket);
    // Every member of the class, the sender included, got it exactly once; the other class nothing.
    expect(seen.tutor).toEqual([message]);
    expect(seen.alice).toEqual([message]);
    expect(seen.bob).toEqual([message]);
    expect(seen.outsider).toEqual([]);
    expect(textOnly(await historyPage(server, tutor.token, CLASS))).toEqual([message]);
    expect(await historyPage(server, outsider.token, OTHER).then(textOnly)).toEqual([]);
  });

  it('keeps the order in which appends commit when two are pending, and acks each with its own message', async () => {
    const held = heldChatStore();
    const server = await startTestServer({ chat: held.store });
    const { tutor, alice, bob } = await classroom(server);
    const seen = record(tutor.socket, 'chat-message');
    held.hold();
    const first = emitAck(alice.socket, 'chat-message', { text: 'first' });
    const firstHeld = await held.nextHeld();
    const second = emitAck(bob.socket, 'chat-message', { text: 'second' });
    const secondHeld = await held.nextHeld();
    await sleep(50);
    expect(seen).toEqual([]);

    await secondHeld.commit();
    const secondAck = expectOk(await second);
    expect(secondAck.message).toMatchObject({ text: 'second', userId: 'bob' });
    await settle(tutor.socket);
    expect(seen).toEqual([secondAck.message]);

    await firstHeld.commit();
    const firstAck = expectOk(await first);
    expect(firstAck.message).toMatchObject({ text: 'first', userId: 'alice' });
    await settle(tutor.socket);
    expect(seen).toEqual([secondAck.message, firstAck.message]);
  });
});

describe('chat-message: a store that fails', () => {
  it('answers internal and broadcasts nothing; once the store recovers, the same text is stored and broadcast once', async () => {
    const flaky = flakyChatStore();
    const server = await startTestServer({ chat: flaky.store });
    const { tutor, alice, bob, outsider } = await classroom(server);
    const seen = [tutor, alice, bob, outsider].map((m) => record(m.socket, 'chat-message'));

    flaky.fail();
    const failed = expectFail(await emitAck(alice.socket, 'chat-message', { text: 'Can you hear me?' }), 'internal');
    // The wire error hides what went wrong inside.
    expect(failed.error.message).not.toMatch(/SQLITE|disk/i);
    expect(flaky.failures).toBe(1);
    await settle(tutor.socket, alice.socket, bob.socket, outsider.socket);
    for (const list of seen) expect(list).toEqual([]);
    expect(await historyPage(server, tutor.token, CLASS).then(textOnly)).toEqual([]);

    // The failure left the socket usable: it is still in the class.
    expectOk(await emitAck(alice.socket, 'toggle-video', { enabled: false }));

    flaky.fail(false);
    const { message } = expectOk(await emitAck(alice.socket, 'chat-message', { text: 'Can you hear me?' }));
    expect(message).toMatchObject({ userId: 'alice', text: 'Can you hear me?', type: 'text' });
    await settle(tutor.socket, alice.socket, bob.socket, outsider.socket);
    expect(seen[0]).toEqual([message]);
    expect(seen[1]).toEqual([message]);
    expect(seen[2]).toEqual([message]);
    expect(seen[3]).toEqual([]);
    expect(textOnly(await historyPage(server, tutor.token, CLASS))).toEqual([message]);
  });

  it('over HTTP: POST /api/chat answers 500 internal and broadcasts nothing, then works once the store recovers', async () => {
    const flaky = flakyChatStore();
    const server = await startTestServer({ chat: flaky.store });
    const { tutor, bob } = await classroom(server);
    const seen = record(bob.socket, 'chat-message');

    flaky.fail();
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: `Bearer ${tutor.token}` },
      payload: { sessionId: CLASS, text: 'Homework is page 12' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal', message: expect.any(String) } });
    await settle(bob.socket);
    expect(seen).toEqual([]);

    flaky.fail(false);
    const ok = await server.app.inject({
      method: 'POST',
      url: '/api/chat',
      headers: { authorization: `Bearer ${tutor.token}` },
      payload: { sessionId: CLASS, text: 'Homework is page 12' },
    });
    expect(ok.statusCode).toBe(201);
    await settle(bob.socket);
    expect(seen).toEqual([ok.json()]);
  });
});
