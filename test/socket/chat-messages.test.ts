import { describe, expect, it } from 'vitest';
import { type ChatMessage, limits } from '../../src/protocol';
import { createMemoryChatStore } from '../../src/server/chat/chat-store';
import { defaultRates } from '../../src/server/transport/rate-limiter';
import { historyPage, say, systemMessage, textsOf } from '../chat/support';
import { emitAck, expectFail, expectOk, joinAs, record, settle, startTestServer, type TestServer } from '../helpers/server';

const CLASS = 'chat-msg';
/** More bad inputs in a row than the chat burst allows; the limiter is tested on its own. */
const rates = { ...defaultRates, chat: { burst: 100, perSecond: 100 } };

async function pair(server: TestServer) {
  const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
  const joined = systemMessage(tutor.socket, 'Sam joined the class');
  const student = await joinAs(server, 'student', CLASS, { name: 'Sam', userId: 'sam' });
  await joined;
  await settle(tutor.socket, student.socket);
  return { tutor, student };
}

describe('chat-message payloads', () => {
  it('empty, whitespace only, 2001 characters or the wrong shape is invalid_payload: nothing stored or sent', async () => {
    const chat = createMemoryChatStore();
    const server = await startTestServer({ chat, rates });
    const { tutor, student } = await pair(server);
    const seen = [record(tutor.socket, 'chat-message'), record(student.socket, 'chat-message')];
    const before = await chat.history(CLASS);
    for (const payload of [
      { text: '' },
      { text: '   ' },
      { text: '\n\t \u00a0\u2003' },
      { text: 'x'.repeat(limits.chatTextLength + 1) },
      {},
      { text: 42 },
      { text: null },
      { text: ['hi'] },
      { text: { toString: 'hi' } },
      null,
      'hi',
      7,
    ]) {
      expectFail(await emitAck(student.socket, 'chat-message', payload), 'invalid_payload');
    }
    // Only the ack callback, no payload at all.
    expectFail(await emitAck(student.socket, 'chat-message'), 'invalid_payload');
    await settle(tutor.socket, student.socket);
    for (const s of seen) expect(s).toEqual([]);
    expect(await chat.history(CLASS)).toEqual(before);
  });

  it('2000 characters is fine and comes back whole, surrounding spaces kept', async () => {
    const server = await startTestServer();
    const { tutor, student } = await pair(server);
    const longest = 'é'.repeat(limits.chatTextLength);
    const seen = record(tutor.socket, 'chat-message');
    const message = await say(student.socket, longest);
    expect(message.text).toBe(longest);
    const padded = await say(student.socket, '  spaced  ');
    expect(padded.text).toBe('  spaced  ');
    await settle(tutor.socket);
    expect(seen).toEqual([message, padded]);
    expect(textsOf((await historyPage(server, tutor.token, CLASS)).filter((m) => m.type === 'text'))).toEqual([longest, '  spaced  ']);
  });

  it('must join first: not_in_session before joining, after leaving, and when the join was refused', async () => {
    const chat = createMemoryChatStore();
    const server = await startTestServer({ chat });
    const { tutor } = await pair(server);
    const seen = record(tutor.socket, 'chat-message');

    const fresh = await server.connect(await server.mint('student', CLASS, 'Nia', 'nia'));
    expectFail(await emitAck(fresh, 'chat-message', { text: 'hello?' }), 'not_in_session');

    const wrongClass = await server.connect(await server.mint('student', 'elsewhere', 'Eve', 'eve'));
    expectFail(await emitAck(wrongClass, 'join-session', { sessionId: CLASS }), 'forbidden');
    expectFail(await emitAck(wrongClass, 'chat-message', { text: 'let me in' }), 'not_in_session');

    const leaver = await joinAs(server, 'student', CLASS, { name: 'Lee', userId: 'lee' });
    expectOk(await emitAck(leaver.socket, 'leave-session', {}));
    expectFail(await emitAck(leaver.socket, 'chat-message', { text: 'still here?' }), 'not_in_session');

    // Bad input is refused as such even before joining.
    expectFail(await emitAck(fresh, 'chat-message', { text: '' }), 'invalid_payload');

    await settle(tutor.socket);
    expect(seen.filter((m) => m.type === 'text')).toEqual([]);
    expect((await chat.history(CLASS)).filter((m) => m.type === 'text')).toEqual([]);
  });
});

describe('XSS payloads over the socket', () => {
  const payloads = ['<img src=x onerror=alert(1)>', '<script>alert("pwned")</script>', `"'><svg onload=alert(document.cookie)>`];

  it('come back verbatim in the ack, the broadcast and the HTTP history', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const name = `<img src=x onerror=alert('name')>`;
    const joined = systemMessage(tutor.socket, `${name} joined the class`);
    const mallory = await joinAs(server, 'student', CLASS, { name, userId: 'mallory' });
    await joined;
    await settle(tutor.socket, mallory.socket);
    const seen = record(tutor.socket, 'chat-message');

    const acked: ChatMessage[] = [];
    for (const text of payloads) {
      const message = await say(mallory.socket, text);
      expect(message.text).toBe(text);
      expect(message.userName).toBe(name);
      acked.push(message);
    }
    await settle(tutor.socket);
    expect(seen).toEqual(acked);
    expect(textsOf(seen)).toEqual(payloads);

    const res = await server.app.inject({
      method: 'GET',
      url: `/api/chat/session/${CLASS}`,
      headers: { authorization: `Bearer ${tutor.token}` },
    });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // The raw JSON holds the markup as JSON strings, not escaped into entities.
    for (const text of payloads) expect(res.body).toContain(JSON.stringify(text).slice(1, -1));
    expect(res.body).not.toContain('&lt;');
    const history = (res.json().messages as typeof acked).filter((m) => m.type === 'text');
    expect(history).toEqual(acked);
    // The system note carries the name verbatim too.
    expect(textsOf(res.json().messages)).toContain(`${name} joined the class`);

    // An edit to a payload is kept verbatim as well.
    const edited = expectOk(await emitAck(mallory.socket, 'edit-chat-message', { id: acked[0].id, text: payloads[2] })).message;
    expect(edited.text).toBe(payloads[2]);
    expect((await historyPage(server, tutor.token, CLASS)).find((m) => m.id === acked[0].id)?.text).toBe(payloads[2]);
  });
});
