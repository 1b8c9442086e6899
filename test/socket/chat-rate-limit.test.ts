import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol';
import { defaultRates } from '../../src/server/transport/rate-limiter';
import { historyPage, say, sleep, systemMessage } from '../chat/support';
import { emitAck, expectFail, expectOk, joinAs, nextEvent, record, settle, startTestServer } from '../helpers/server';

const CLASS = 'chat-flood';

describe('chat rate limit (default rates: burst 10, 2 per second)', () => {
  it('a flood of 30 from one socket: the rest are rate_limited, at most the burst stored; others chat and signal meanwhile', async () => {
    const { burst } = defaultRates.chat;
    expect(burst).toBe(10);
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    const bobJoined = systemMessage(tutor.socket, 'Bob joined the class');
    const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });
    await bobJoined;
    await settle(tutor.socket, alice.socket, bob.socket);
    const tutorSees = record(tutor.socket, 'chat-message');

    // Alice floods; while her acks are outstanding Bob chats and signals the tutor.
    const flood = Array.from({ length: 30 }, (_, i) => emitAck(alice.socket, 'chat-message', { text: `spam ${i}` }));
    const signalArrives = nextEvent(tutor.socket, 'signal', { where: (s) => s.from === bob.socket.id });
    const bobSignal = emitAck(bob.socket, 'signal', { to: tutor.socket.id, data: { link: 'l1', signal: { type: 'offer', sdp: 'v=0' } } });
    const bobSays = emitAck(bob.socket, 'chat-message', { text: 'I can still talk' });

    const acks = await Promise.all(flood);
    const ok = acks.filter((a) => a.ok);
    const limited = acks.filter((a) => !a.ok);
    for (const a of limited) expectFail(a, 'rate_limited');
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThanOrEqual(burst);
    expect(ok.length + limited.length).toBe(30);

    const bobMessage = expectOk(await bobSays).message;
    expect(bobMessage).toMatchObject({ userId: 'bob', text: 'I can still talk' });
    expectOk(await bobSignal);
    expect(await signalArrives).toEqual({ from: bob.socket.id, data: { link: 'l1', signal: { type: 'offer', sdp: 'v=0' } } });

    // Another kind of event is not starved by the chat flood.
    expectOk(await emitAck(alice.socket, 'raise-hand', {}));
    // Edits count against the same chat bucket.
    const first = ok[0] as { ok: true; message: ChatMessage };
    expectFail(await emitAck(alice.socket, 'edit-chat-message', { id: first.message.id, text: 'edited' }), 'rate_limited');

    await settle(tutor.socket);
    const stored = (await historyPage(server, tutor.token, CLASS)).filter((m) => m.type === 'text');
    const storedByAlice = stored.filter((m) => m.userId === 'alice');
    expect(storedByAlice.length).toBeLessThanOrEqual(burst);
    // Exactly what was acknowledged ok was stored, and the class saw exactly that.
    expect(storedByAlice).toEqual(ok.map((a) => (a as { ok: true; message: ChatMessage }).message));
    expect(stored.filter((m) => m.userId === 'bob')).toEqual([bobMessage]);
    expect(tutorSees.filter((m) => m.userId === 'alice')).toEqual(storedByAlice);

    // The bucket refills: after a while Alice may chat again.
    await sleep(1100 / defaultRates.chat.perSecond);
    expect((await say(alice.socket, 'sorry about that')).text).toBe('sorry about that');
  });

  it('limits each socket on its own: two sockets of one class each get their own burst', async () => {
    const rates = { ...defaultRates, chat: { burst: 3, perSecond: 0.001 } };
    const server = await startTestServer({ rates });
    const tutor = await joinAs(server, 'tutor', CLASS, { userId: 'tutor' });
    const student = await joinAs(server, 'student', CLASS, { userId: 'student' });
    for (const member of [tutor, student]) {
      for (let i = 0; i < 3; i++) expectOk(await emitAck(member.socket, 'chat-message', { text: `${i}` }));
      expectFail(await emitAck(member.socket, 'chat-message', { text: 'one too many' }), 'rate_limited');
    }
    const stored = (await historyPage(server, tutor.token, CLASS)).filter((m) => m.type === 'text');
    expect(stored.map((m) => `${m.userId}:${m.text}`)).toEqual(['tutor:0', 'tutor:1', 'tutor:2', 'student:0', 'student:1', 'student:2']);
  });
});
