import { defaultRates } from '../../src/server/transport/rate-limiter';
import { describe, expect, it } from 'vitest';
import { limits, type ChatMessage } from '../../src/protocol';
import { createMemoryChatStore } from '../../src/server/chat/chat-store';
import { bearer, historyPage, ISO, textsOf, wholeHistory } from '../chat/support';
import { joinAs, nextEvent, record, settle, signRaw, startTestServer, type TestServer } from '../helpers/server';

const CLASS = 'chat-http';
const OTHER = 'chat-http-other';

function post(server: TestServer, token: string | undefined, payload: unknown) {
  return server.app.inject({
    method: 'POST',
    url: '/api/chat',
    headers: token === undefined ? {} : bearer(token),
    payload: payload as object,
  });
}

const get = (server: TestServer, url: string, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'GET', url, headers });

/** Posts `count` messages m<from>…m<from+count-1> as `token`, one after the other; returns them as stored. */
async function postMany(server: TestServer, token: string, sessionId: string, count: number, from = 0): Promise<ChatMessage[]> {
  const out: ChatMessage[] = [];
  for (let i = from; i < from + count; i++) {
    const res = await post(server, token, { sessionId, text: `m${i}` });
    expect(res.statusCode, res.body).toBe(201);
    out.push(res.json());
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

describe('GET /api/chat/session/:sessionId', () => {
  it('is oldest first and the latest 100; ?before= pages back across 250 messages with no gap and no repeat', async () => {
    // A generous chat limit: this test posts 250 messages as fast as it can.
    const server = await startTestServer({ rates: { ...defaultRates, chat: { burst: 1000, perSecond: 1000 } } });
    const token = await server.mint('tutor', CLASS, 'Ms Tutor', 'tutor-h');
    const stored = await postMany(server, token, CLASS, 250);

    const latest = await historyPage(server, token, CLASS);
    expect(textsOf(latest)).toEqual(range(150, 250));
    expect(latest).toEqual(stored.slice(150));

    const middle = await historyPage(server, token, CLASS, latest[0].id);
    expect(textsOf(middle)).toEqual(range(50, 150));
    const oldest = await historyPage(server, token, CLASS, middle[0].id);
    expect(textsOf(oldest)).toEqual(range(0, 50));
    expect(await historyPage(server, token, CLASS, oldest[0].id)).toEqual([]);

    // Paging from an arbitrary message gives the 100 before it.
    expect(textsOf(await historyPage(server, token, CLASS, stored[120].id))).toEqual(range(20, 120));
    expect(textsOf(await historyPage(server, token, CLASS, stored[5].id))).toEqual(range(0, 5));

    const { all, pages } = await wholeHistory(server, token, CLASS);
    expect(pages).toEqual([50, 100, 100]);
    expect(all).toEqual(stored);
  });

  it('an unknown ?before=, or the id of a message of another class, gives []', async () => {
    const server = await startTestServer();
    const token = await server.mint('tutor', CLASS);
    const admin = await server.mint('admin', '*');
    await postMany(server, token, CLASS, 3);
    const [elsewhere] = await postMany(server, admin, OTHER, 1);
    expect(await historyPage(server, token, CLASS, 'no-such-message')).toEqual([]);
    expect(await historyPage(server, token, CLASS, elsewhere.id)).toEqual([]);
    expect(textsOf(await historyPage(server, token, CLASS))).toEqual(['m0', 'm1', 'm2']);
  });

  it('a class with no messages gives []', async () => {
    const server = await startTestServer();
    expect(await historyPage(server, await server.mint('student', CLASS), CLASS)).toEqual([]);
  });

  it('holds only the messages of the class asked for', async () => {
    const server = await startTestServer();
    const admin = await server.mint('admin', '*', 'Root', 'root');
    await post(server, admin, { sessionId: CLASS, text: 'here' });
    await post(server, admin, { sessionId: OTHER, text: 'there' });
    expect(textsOf(await historyPage(server, await server.mint('student', CLASS), CLASS))).toEqual(['here']);
    expect(textsOf(await historyPage(server, await server.mint('student', OTHER), OTHER))).toEqual(['there']);
  });

  it('needs a Bearer token: 401 without one, forged, expired or malformed', async () => {
    const server = await startTestServer();
    const url = `/api/chat/session/${CLASS}`;
    const forged = await signRaw({ name: 'Eve', role: 'admin', sessionId: '*' }, { secret: 'not-the-secret-xxxxxxxxxxxxxxxxxxxx', subject: 'eve' });
    const expired = await signRaw({ name: 'Old', role: 'tutor', sessionId: CLASS }, { expiresIn: '-1h', subject: 'old' });
    const noRole = await signRaw({ name: 'Odd', sessionId: CLASS }, { subject: 'odd' });
    const valid = await server.mint('tutor', CLASS);
    for (const headers of [
      {},
      bearer(forged),
      bearer(expired),
      bearer(noRole),
      bearer('not-a-jwt'),
      { authorization: valid }, // no "Bearer "
      { authorization: `Basic ${valid}` },
    ]) {
      const res = await get(server, url, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('403 forbidden for a token of another class; an admin "*" token reads any class', async () => {
    const server = await startTestServer();
    const tutor = await server.mint('tutor', CLASS);
    await postMany(server, tutor, CLASS, 2);
    for (const role of ['student', 'tutor'] as const) {
      const res = await get(server, `/api/chat/session/${CLASS}`, bearer(await server.mint(role, OTHER)));
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    }
    // An admin token for one class only is still only for that class.
    const res = await get(server, `/api/chat/session/${CLASS}`, bearer(await server.mint('admin', OTHER)));
    expect(res.statusCode).toBe(403);
    expect(textsOf(await historyPage(server, await server.mint('admin', '*'), CLASS))).toEqual(['m0', 'm1']);
  });

  it('works for a class id of the longest allowed length (128)', async () => {
    const server = await startTestServer();
    const longest = 'c'.repeat(limits.idLength);
    const token = await server.mint('tutor', longest);
    const [message] = await postMany(server, token, longest, 1);
    expect(message.sessionId).toBe(longest);
    expect(await historyPage(server, token, longest)).toEqual([message]);
    expect(await historyPage(server, token, longest, message.id)).toEqual([]);
  });

  it('a bad class id or a bad ?before= is 400 invalid_payload; an over-long class id is refused', async () => {
    const server = await startTestServer();
    const admin = bearer(await server.mint('admin', '*'));
    for (const url of [
      '/api/chat/session/not%20a%20class',
      '/api/chat/session/bad!id',
      `/api/chat/session/${CLASS}?before=${'x'.repeat(limits.idLength + 1)}`,
      `/api/chat/session/${CLASS}?before=`,
    ]) {
      const res = await get(server, url, admin);
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
    }
    // One character over the limit: refused by the router itself (414 URI Too Long).
    const tooLong = await get(server, `/api/chat/session/${'x'.repeat(limits.idLength + 1)}`, admin);
    expect(tooLong.statusCode).toBe(414);
  });
});

describe('POST /api/chat', () => {
  it('201 with the stored message, broadcast as chat-message to the socket clients of that class only', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor-p' });
    const student = await joinAs(server, 'student', CLASS, { name: 'Sam', userId: 'sam' });
    const outsider = await joinAs(server, 'student', OTHER, { name: 'Olga', userId: 'olga' });
    await settle(tutor.socket, student.socket, outsider.socket);
    const seen = [tutor, student, outsider].map((m) => record(m.socket, 'chat-message'));

    const arrives = nextEvent(tutor.socket, 'chat-message');
    const res = await post(server, student.token, { sessionId: CLASS, text: 'Hello from the web' });
    expect(res.statusCode).toBe(201);
    const message = res.json() as ChatMessage;
    expect(message).toEqual({
      id: expect.any(String),
      sessionId: CLASS,
      userId: 'sam',
      userName: 'Sam',
      role: 'student',
      text: 'Hello from the web',
      type: 'text',
      createdAt: expect.stringMatching(ISO),
      editedAt: null,
    });
    expect(await arrives).toEqual(message);
    await settle(tutor.socket, student.socket, outsider.socket);
    expect(seen[0]).toEqual([message]);
    expect(seen[1]).toEqual([message]);
    expect(seen[2]).toEqual([]);
    expect((await historyPage(server, tutor.token, CLASS)).filter((m) => m.type === 'text')).toEqual([message]);
  });

  it('nobody posts as someone else: identity fields in the body are ignored', async () => {
    const server = await startTestServer();
    const token = await server.mint('student', CLASS, 'Sam', 'sam');
    const res = await post(server, token, {
      sessionId: CLASS,
      text: 'I am the tutor now',
      userId: 'tutor-1',
      userName: 'Ms Tutor',
      role: 'tutor',
      type: 'system',
      id: 'chosen-id',
      createdAt: '2000-01-01T00:00:00.000Z',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ userId: 'sam', userName: 'Sam', role: 'student', type: 'text', text: 'I am the tutor now' });
    expect(res.json().id).not.toBe('chosen-id');
    expect(res.json().createdAt).not.toBe('2000-01-01T00:00:00.000Z');
  });

  it('needs a valid token (401), of that class (403); an admin "*" token posts anywhere as the admin', async () => {
    const server = await startTestServer();
    const forged = await signRaw({ name: 'Eve', role: 'tutor', sessionId: CLASS }, { secret: 'forged-secret-forged-secret-forged', subject: 'eve' });
    for (const token of [undefined, forged, 'garbage']) {
      const res = await post(server, token, { sessionId: CLASS, text: 'hi' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    const other = await post(server, await server.mint('tutor', OTHER), { sessionId: CLASS, text: 'hi' });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });

    const admin = await post(server, await server.mint('admin', '*', 'Root', 'root'), { sessionId: CLASS, text: 'hi all' });
    expect(admin.statusCode).toBe(201);
    expect(admin.json()).toMatchObject({ sessionId: CLASS, userId: 'root', userName: 'Root', role: 'admin' });
    // Nothing from the refused requests was stored.
    expect(textsOf(await historyPage(server, await server.mint('student', CLASS), CLASS))).toEqual(['hi all']);
  });

  it('text: empty, whitespace only, 2001 characters, missing or not a string is 400 invalid_payload; 2000 is fine', async () => {
    const chat = createMemoryChatStore();
    const server = await startTestServer({ chat });
    const token = await server.mint('student', CLASS);
    for (const body of [
      { sessionId: CLASS, text: '' },
      { sessionId: CLASS, text: '   ' },
      { sessionId: CLASS, text: ' \n\t \u00a0 ' },
      { sessionId: CLASS, text: 'x'.repeat(limits.chatTextLength + 1) },
      { sessionId: CLASS },
      { sessionId: CLASS, text: 42 },
      { sessionId: CLASS, text: ['hi'] },
      { text: 'no class' },
      { sessionId: 'bad class', text: 'hi' },
    ]) {
      const res = await post(server, token, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
    }
    for (const raw of ['not json', '']) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/chat',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        payload: raw,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
    }
    expect(await chat.history(CLASS)).toEqual([]);

    const longest = 'y'.repeat(limits.chatTextLength);
    const ok = await post(server, token, { sessionId: CLASS, text: longest });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().text).toBe(longest);
    // Surrounding spaces are kept as sent.
    const padded = await post(server, token, { sessionId: CLASS, text: '  hi  ' });
    expect(padded.json().text).toBe('  hi  ');
    expect(textsOf(await chat.history(CLASS))).toEqual([longest, '  hi  ']);
  });
});

describe('XSS payloads over HTTP', () => {
  const payloads = ['<img src=x onerror=alert(1)>', '<script>alert("pwned")</script>', `"'><svg onload=alert(document.cookie)>`];

  it('are stored, answered and listed verbatim', async () => {
    const server = await startTestServer();
    const token = await server.mint('student', CLASS, '<b>Mallory</b>', 'mallory');
    const posted: ChatMessage[] = [];
    for (const text of payloads) {
      const res = await post(server, token, { sessionId: CLASS, text });
      expect(res.statusCode).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json().text).toBe(text);
      expect(res.json().userName).toBe('<b>Mallory</b>');
      posted.push(res.json());
    }
    const history = await get(server, `/api/chat/session/${CLASS}`, bearer(token));
    expect(history.headers['content-type']).toMatch(/^application\/json/);
    expect(textsOf(history.json().messages)).toEqual(payloads);
    expect(history.json().messages).toEqual(posted);
  });
});
