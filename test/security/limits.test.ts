import { describe, expect, it } from 'vitest';
import { limits, type Role } from '../../src/protocol';
import { type ChatStore, createMemoryChatStore } from '../../src/server/chat/chat-store';
import { createTokenService } from '../../src/server/auth/tokens';
import { defaultRates } from '../../src/server/transport/rate-limiter';
import {
  emitAck,
  expectFail,
  expectOk,
  joinAs,
  nextEvent,
  record,
  rosterOf,
  settle,
  signRaw,
  startTestServer,
  type TestServer,
  TEST_JWT_SECRET,
} from '../helpers/server';
import { memoryLogger, RawClient, startApp } from './support';

const CLASS = 'limits';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const over = (n: number, c = 'x') => c.repeat(n + 1);
const at = (n: number, c = 'x') => c.repeat(n);

describe('string limits on the socket', () => {
  it(`class id: ${limits.idLength} characters join, ${limits.idLength + 1} are invalid_payload (join-session, get-session-users)`, async () => {
    const server = await startTestServer();
    const longest = at(limits.idLength, 'c');
    const member = await joinAs(server, 'student', longest);
    expect(member.self.socketId).toBe(member.socket.id);
    expectOk(await emitAck(member.socket, 'get-session-users', { sessionId: longest }));

    const admin = await server.connect(await server.mint('admin', '*'));
    expectFail(await emitAck(admin, 'join-session', { sessionId: over(limits.idLength, 'c') }), 'invalid_payload');
    expectFail(await emitAck(member.socket, 'get-session-users', { sessionId: over(limits.idLength, 'c') }), 'invalid_payload');
    expect((await server.store.list()).map((c) => c.sessionId)).toEqual([longest]);
  });

  it(`socket ids in targets: ${limits.idLength} characters reach the rules (not_in_session), ${limits.idLength + 1} are invalid_payload`, async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    await settle(tutor.socket, student.socket);
    const before = await server.store.list();
    const targets: Array<[string, (id: string) => Record<string, unknown>]> = [
      ['signal', (to) => ({ to, data: { link: 'l' } })],
      ['lower-hand', (socketId) => ({ socketId })],
      ['mute-participant', (socketId) => ({ socketId })],
      ['ask-unmute', (socketId) => ({ socketId })],
      ['give-floor', (socketId) => ({ socketId })],
      ['remove-participant', (socketId) => ({ socketId })],
    ];
    for (const [event, payload] of targets) {
      expectFail(await emitAck(tutor.socket, event, payload(at(limits.idLength, 's'))), 'not_in_session');
      expectFail(await emitAck(tutor.socket, event, payload(over(limits.idLength, 's'))), 'invalid_payload');
      expectFail(await emitAck(tutor.socket, event, payload('')), 'invalid_payload');
    }
    expect(await server.store.list()).toEqual(before);
  });

  it(`chat text: ${limits.chatTextLength} characters are stored whole, ${limits.chatTextLength + 1} are invalid_payload; message ids are limited too`, async () => {
    const chat = createMemoryChatStore();
    // Validation, not the chat limiter, is under test.
    const server = await startTestServer({ chat, rates: { ...defaultRates, chat: { burst: 100, perSecond: 100 } } });
    const amy = await joinAs(server, 'student', CLASS, { userId: 'amy' });
    const longest = at(limits.chatTextLength, 'w');
    const stored = expectOk(await emitAck(amy.socket, 'chat-message', { text: longest })).message;
    expect(stored.text).toBe(longest);
    expectFail(await emitAck(amy.socket, 'chat-message', { text: over(limits.chatTextLength, 'w') }), 'invalid_payload');
    expectFail(await emitAck(amy.socket, 'chat-message', { text: '' }), 'invalid_payload');
    expectFail(await emitAck(amy.socket, 'chat-message', { text: '   \n\t ' }), 'invalid_payload');
    // Multi-byte characters count as characters, not bytes: 2000 emoji are one message.
    const emoji = at(limits.chatTextLength / 2, '😀');
    expect(expectOk(await emitAck(amy.socket, 'chat-message', { text: emoji })).message.text).toBe(emoji);

    expectFail(await emitAck(amy.socket, 'edit-chat-message', { id: stored.id, text: over(limits.chatTextLength) }), 'invalid_payload');
    expect(expectOk(await emitAck(amy.socket, 'edit-chat-message', { id: stored.id, text: at(limits.chatTextLength, 'e') })).message.text).toBe(
      at(limits.chatTextLength, 'e'),
    );
    for (const event of ['edit-chat-message', 'delete-chat-message']) {
      expectFail(await emitAck(amy.socket, event, { id: at(limits.idLength, 'm'), text: 'x' }), 'not_found');
      expectFail(await emitAck(amy.socket, event, { id: over(limits.idLength, 'm'), text: 'x' }), 'invalid_payload');
    }
    const texts = (await chat.history(CLASS)).filter((m) => m.type === 'text').map((m) => m.text);
    expect(texts).toEqual([at(limits.chatTextLength, 'e'), emoji]);
  });

  it('remove reason: 200 characters reach the removed student, 201 are invalid_payload and remove nobody', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms T' });
    const student = await joinAs(server, 'student', CLASS);
    expectFail(
      await emitAck(tutor.socket, 'remove-participant', { socketId: student.self.socketId, reason: over(200, 'r') }),
      'invalid_payload',
    );
    expect(await rosterOf(tutor.socket, CLASS)).toHaveLength(1);
    const removed = nextEvent(student.socket, 'removed');
    expectOk(await emitAck(tutor.socket, 'remove-participant', { socketId: student.self.socketId, reason: at(200, 'r') }));
    expect(await removed).toEqual({ by: 'Ms T', reason: at(200, 'r') });
  });

  it(`signal data: exactly ${limits.signalBytes} bytes serialized is delivered, one more is invalid_payload and delivered to nobody`, async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const heard = record(tutor.socket, 'signal');
    // A JSON string serializes with its two quotes.
    const largest = at(limits.signalBytes - 2, 's');
    expect(JSON.stringify(largest)).toHaveLength(limits.signalBytes);
    const arrives = nextEvent(tutor.socket, 'signal');
    expectOk(await emitAck(student.socket, 'signal', { to: tutor.self.socketId, data: largest }));
    expect(await arrives).toEqual({ from: student.self.socketId, data: largest });
    // The same limit for an object: an SDP a byte too long.
    const sdp = { link: 'l', signal: { type: 'offer', sdp: '' } };
    sdp.signal.sdp = 'v'.repeat(limits.signalBytes - JSON.stringify(sdp).length + 1);
    expect(JSON.stringify(sdp)).toHaveLength(limits.signalBytes + 1);
    expectFail(await emitAck(student.socket, 'signal', { to: tutor.self.socketId, data: sdp }), 'invalid_payload');
    expectFail(await emitAck(student.socket, 'signal', { to: tutor.self.socketId, data: largest + 's' }), 'invalid_payload');
    await settle(tutor.socket, student.socket);
    expect(heard).toHaveLength(1);
    expect(student.socket.connected).toBe(true);
  });

  it('a join token whose name, user id or class id is over its limit is refused at the handshake and over HTTP', async () => {
    const server = await startTestServer();
    const fine = await signRaw({ name: at(limits.nameLength, 'n'), role: 'student', sessionId: CLASS }, { subject: at(limits.idLength, 'u') });
    expect((await server.connect(fine)).connected).toBe(true);
    const tooLong = [
      await signRaw({ name: over(limits.nameLength, 'n'), role: 'student', sessionId: CLASS }, { subject: 'u1' }),
      await signRaw({ name: 'N', role: 'student', sessionId: CLASS }, { subject: over(limits.idLength, 'u') }),
      await signRaw({ name: 'N', role: 'student', sessionId: over(limits.idLength, 'c') }, { subject: 'u1' }),
    ];
    for (const token of tooLong) {
      const err = await server.connectError({ token });
      expect(err.data).toEqual({ code: 'unauthorized', message: expect.any(String) });
      const res = await server.app.inject({ method: 'GET', url: `/api/session/${CLASS}/me`, headers: bearer(token) });
      expect(res.statusCode).toBe(401);
    }
  });
});

describe('string limits over HTTP', () => {
  const createClass = (server: TestServer, body: unknown) =>
    server.app.inject({ method: 'POST', url: '/api/classes', payload: body as Record<string, unknown> });

  it(`class title ${limits.titleLength} and tutor name ${limits.nameLength} characters are taken; one more is 400 invalid_payload`, async () => {
    const server = await startTestServer();
    const ok = await createClass(server, { title: at(limits.titleLength, 't'), tutorName: at(limits.nameLength, 'n') });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().class.title).toBe(at(limits.titleLength, 't'));
    for (const body of [
      { title: over(limits.titleLength, 't'), tutorName: 'T' },
      { title: 'Algebra', tutorName: over(limits.nameLength, 'n') },
      { title: '   ', tutorName: 'T' },
      { title: 'Algebra', tutorName: '' },
    ]) {
      const res = await createClass(server, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
    }
  });

  it(`a student's name: ${limits.nameLength} characters are taken, one more is 400; an invite over 4096 characters is 400`, async () => {
    const server = await startTestServer();
    const created = (await createClass(server, { title: 'Algebra', tutorName: 'T' })).json() as { class: { id: string }; inviteLink: string };
    const invite = new URL(created.inviteLink, 'http://x').searchParams.get('invite') as string;
    const join = (body: Record<string, unknown>) =>
      server.app.inject({ method: 'POST', url: `/api/classes/${created.class.id}/students`, payload: body });
    const ok = await join({ invite, name: at(limits.nameLength, 'n') });
    expect(ok.statusCode).toBe(201);
    const identity = await server.tokens.verifyJoin(ok.json().token);
    expect(identity.name).toBe(at(limits.nameLength, 'n'));
    expect((await join({ invite, name: over(limits.nameLength, 'n') })).statusCode).toBe(400);
    expect((await join({ invite: over(4096, 'i'), name: 'Amy' })).statusCode).toBe(400);
    const shown = await server.app.inject({ method: 'GET', url: `/api/classes/${created.class.id}/invite?invite=${over(4096, 'i')}` });
    expect(shown.statusCode).toBe(400);
  });

  it(`chat over HTTP: ${limits.chatTextLength} characters are stored, one more is 400; class and message ids are limited`, async () => {
    const server = await startTestServer();
    const token = await server.mint('tutor', CLASS);
    const post = (body: Record<string, unknown>) => server.app.inject({ method: 'POST', url: '/api/chat', headers: bearer(token), payload: body });
    const stored = await post({ sessionId: CLASS, text: at(limits.chatTextLength) });
    expect(stored.statusCode).toBe(201);
    expect(stored.json().text).toBe(at(limits.chatTextLength));
    expect((await post({ sessionId: CLASS, text: over(limits.chatTextLength) })).statusCode).toBe(400);
    expect((await post({ sessionId: over(limits.idLength, 'c'), text: 'hi' })).statusCode).toBe(400);

    const history = (before: string) =>
      server.app.inject({ method: 'GET', url: `/api/chat/session/${CLASS}?before=${before}`, headers: bearer(token) });
    expect((await history(at(limits.idLength, 'm'))).statusCode).toBe(200);
    expect((await history(over(limits.idLength, 'm'))).statusCode).toBe(400);

    const admin = await server.mint('admin', '*');
    const me = (id: string) => server.app.inject({ method: 'GET', url: `/api/session/${id}/me`, headers: bearer(admin) });
    expect((await me(at(limits.idLength, 'c'))).statusCode).toBe(200);
    // One over: the router (414) or the schema (400) refuses it; never a 2xx or a 500.
    expect([400, 414]).toContain((await me(over(limits.idLength, 'c'))).statusCode);
  });
});

describe('Socket.IO buffer', () => {
  it(`maxHttpBufferSize is limits.socketBufferBytes (${limits.socketBufferBytes})`, async () => {
    const server = await startTestServer();
    expect((server.io.engine as unknown as { opts: { maxHttpBufferSize: number } }).opts.maxHttpBufferSize).toBe(limits.socketBufferBytes);
  });

  it('a frame of exactly the buffer size is read and answered; one byte more closes only that connection', async () => {
    const server = await startTestServer({ grace: { networkMs: 0, closeMs: 0 } });
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const raw = await RawClient.connect(server.url, { token: await server.mint('student', CLASS, 'Raw', 'raw') });
    expectOk(await raw.emitJson('join-session', JSON.stringify({ sessionId: CLASS })));

    const sized = (bytes: number) => {
      const empty = raw.frame('chat-message', JSON.stringify({ text: '' }));
      const frame = raw.frame('chat-message', JSON.stringify({ text: 'b'.repeat(bytes - empty.frame.length) }));
      // Both ids have the same number of digits, so the frame is exactly `bytes` long.
      expect(Buffer.byteLength(frame.frame)).toBe(bytes);
      return frame;
    };
    // Exactly the buffer: the server reads it and the schema refuses it (too long for a chat message).
    expect(await raw.sendWithAck(sized(limits.socketBufferBytes))).toEqual({
      ok: false,
      error: { code: 'invalid_payload', message: expect.any(String) },
    });
    expect(raw.isClosed).toBe(false);

    const left = nextEvent(tutor.socket, 'user-left');
    raw.send(sized(limits.socketBufferBytes + 1).frame);
    expect((await raw.closed).code).toBe(1009); // "message too big"
    expect(await left).toMatchObject({ socketId: raw.socketId, note: { text: expect.stringMatching(/left the class$/) } });

    // Everyone else carries on.
    expect(tutor.socket.connected && student.socket.connected).toBe(true);
    const arrives = nextEvent(tutor.socket, 'signal');
    expectOk(await emitAck(student.socket, 'signal', { to: tutor.self.socketId, data: { link: 'after' } }));
    expect(await arrives).toEqual({ from: student.self.socketId, data: { link: 'after' } });
    expect((await rosterOf(tutor.socket, CLASS)).map((p) => p.socketId)).toEqual([student.self.socketId]);
  });

  it('socket.io-client: an event over the buffer disconnects that socket only', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const heavy = await joinAs(server, 'student', CLASS);
    const closed = new Promise<string>((resolve) => heavy.socket.once('disconnect', resolve));
    heavy.socket.emit('chat-message', { text: 'h'.repeat(limits.socketBufferBytes) }, () => undefined);
    expect(await closed).toBe('transport close');
    expectOk(await emitAck(student.socket, 'raise-hand', {}));
    expectOk(await emitAck(tutor.socket, 'lower-hand', { socketId: student.self.socketId }));
    expect(tutor.socket.connected && student.socket.connected).toBe(true);
  });
});

describe('HTTP body limit (256 KB)', () => {
  const limit = 256 * 1024;
  const bodyOf = (bytes: number) => {
    const shell = JSON.stringify({ title: '', tutorName: 'T' });
    return JSON.stringify({ title: 't'.repeat(bytes - shell.length), tutorName: 'T' });
  };

  it('a body over the limit is 413 before it is parsed; one at the limit is parsed (and refused by the schema)', async () => {
    const server = await startTestServer();
    const send = (payload: string) =>
      server.app.inject({ method: 'POST', url: '/api/classes', headers: { 'content-type': 'application/json' }, payload });
    expect(bodyOf(limit)).toHaveLength(limit);
    const atLimit = await send(bodyOf(limit));
    expect(atLimit.statusCode).toBe(400);
    expect(atLimit.json()).toEqual({ error: { code: 'invalid_payload', message: expect.stringContaining('title') } });
    const tooBig = await send(bodyOf(limit + 1));
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
    expect(await server.classes.listByTutor('anyone')).toEqual([]);
  });

  it('over the real listener too, also for a chunked body with no Content-Length', async () => {
    const server = await startTestServer();
    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(await server.mint('tutor', CLASS)) },
      body: JSON.stringify({ sessionId: CLASS, text: 'x'.repeat(limit) }),
    });
    expect(res.status).toBe(413);
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(i === 0 ? '{"title":"' : 'x'.repeat(64 * 1024)));
        controller.enqueue(new TextEncoder().encode('","tutorName":"T"}'));
        controller.close();
      },
    });
    const chunked = await fetch(`${server.url}/api/classes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});

describe('CORS', () => {
  const allowed = 'https://school.example';
  const stranger = 'https://evil.example';

  it('only a configured origin gets Access-Control-Allow-Origin: API, preflight and the Socket.IO handshake', async () => {
    const { url } = await startApp({ corsOrigins: [allowed] });
    const get = (path: string, origin: string) => fetch(`${url}${path}`, { headers: { origin } });
    const preflight = (origin: string) =>
      fetch(`${url}/api/chat`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const handshake = '/socket.io/?EIO=4&transport=polling';

    for (const res of [await get('/api/config', allowed), await preflight(allowed), await get(handshake, allowed)]) {
      expect(res.headers.get('access-control-allow-origin'), res.url).toBe(allowed);
    }
    for (const res of [await get('/api/config', stranger), await preflight(stranger), await get(handshake, stranger)]) {
      expect(res.headers.get('access-control-allow-origin'), res.url).toBeNull();
    }
  });

  it('with no CORS_ORIGINS, no origin gets Access-Control-Allow-Origin', async () => {
    const { url } = await startApp();
    for (const origin of [allowed, stranger, 'null']) {
      expect((await fetch(`${url}/api/config`, { headers: { origin } })).headers.get('access-control-allow-origin')).toBeNull();
      expect(
        (await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } })).headers.get('access-control-allow-origin'),
      ).toBeNull();
    }
  });
});

describe('security headers', () => {
  it("every response carries a CSP with default-src 'self' and frame-ancestors 'none', and nosniff", async () => {
    const server = await startTestServer();
    const responses = [
      await server.app.inject({ method: 'GET', url: '/health' }),
      await server.app.inject({ method: 'GET', url: '/api/config' }),
      await server.app.inject({ method: 'GET', url: '/api/nothing-here' }),
      await server.app.inject({ method: 'GET', url: `/api/session/${CLASS}/me` }),
      await server.app.inject({ method: 'POST', url: '/api/classes', headers: { 'content-type': 'application/json' }, payload: '{' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 404, 401, 400]);
    for (const res of responses) {
      const csp = String(res.headers['content-security-policy']);
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
      expect(directives.get('default-src'), csp).toEqual(["'self'"]);
      expect(directives.get('frame-ancestors'), csp).toEqual(["'none'"]);
      expect(directives.get('object-src'), csp).toEqual(["'none'"]);
      expect(directives.get('script-src'), csp).toEqual(["'self'"]);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('tokens never reach the logs', () => {
  it('at level trace: HTTP with ?token= and Authorization, invites, admin secrets, handshakes good and bad, errors', async () => {
    const captured = memoryLogger('trace');
    const adminSecret = 'admin-secret-that-must-not-be-logged-0123';
    const inner = createMemoryChatStore();
    // A store that fails on one text, so the error paths log too.
    const chat: ChatStore = {
      ...inner,
      append: (m) => (m.text === 'boom' ? Promise.reject(new Error('the disk is full')) : inner.append(m)),
    };
    const tokens = createTokenService(TEST_JWT_SECRET);
    const app = await startApp({ logger: captured.logger, tokens, chat, adminToken: adminSecret });
    const mint = (role: Role, sessionId = CLASS, userId = `${role}-1`) => tokens.signJoin({ userId, name: `A ${role}`, role, sessionId });

    const tutor = await mint('tutor');
    const student = await mint('student', CLASS, 'student-1');
    const forged = await signRaw({ name: 'F', role: 'tutor', sessionId: CLASS }, { secret: 'another-secret-0123456789abcdef', subject: 'f' });
    const expired = await signRaw({ name: 'E', role: 'tutor', sessionId: CLASS }, { expiresIn: '-1h', subject: 'e' });
    const otherClass = await mint('student', 'another-class', 'student-2');
    const invite = await tokens.signInvite(CLASS);
    const secrets = [tutor, student, forged, expired, otherClass, invite, adminSecret];

    const http = async (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json', ...headers } : headers,
        body: typeof body === 'string' ? body : body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, text };
    };
    for (const token of [tutor, forged, expired, otherClass, 'not-a-jwt']) {
      await http('GET', `/api/session/${CLASS}/me`, bearer(token));
      await http('GET', `/api/session/${CLASS}/me?token=${token}`);
      await http('GET', `/session/${CLASS}?token=${encodeURIComponent(token)}`);
      await http('GET', `/api/chat/session/${CLASS}?token=${token}&before=${token.slice(0, 100)}`, bearer(token));
      await http('POST', '/api/chat', bearer(token), { sessionId: CLASS, text: 'hello' });
      await http('POST', `/api/chat?token=${token}`, { authorization: token }, { sessionId: CLASS, text: 'boom' });
      await http('GET', `/api/nothing/${token}?token=${token}`);
      await http('POST', '/api/classes', bearer(token), { title: 'Algebra', tutorName: 'T' });
      await http('POST', '/api/classes', bearer(token), '{"title":');
    }
    await http('GET', `/api/classes/${CLASS}/invite?invite=${invite}`);
    const joined = await http('POST', `/api/classes/${CLASS}/students`, {}, { invite, name: 'Amy' });
    expect(joined.status).toBe(201);
    const issued = JSON.parse(joined.text) as { token: string };
    secrets.push(issued.token);
    for (const auth of [`Bearer ${adminSecret}`, 'Bearer wrong-admin-secret', adminSecret]) {
      await http('GET', '/api/admin/classes', { authorization: auth });
      const made = await http('POST', '/api/admin/session-token', { authorization: auth });
      if (made.status === 200) secrets.push((JSON.parse(made.text) as { token: string }).token);
    }
    const failed = await http('POST', '/api/chat', bearer(tutor), { sessionId: CLASS, text: 'boom' });
    expect(failed.status).toBe(500);

    // Sockets: good tokens do everything once (an internal error included); bad ones are refused at the handshake.
    for (const token of [tutor, student]) {
      const socket = await RawClient.connect(app.url, { token });
      expect(await socket.emitJson('join-session', JSON.stringify({ sessionId: CLASS }))).toMatchObject({ ok: true });
      expect(await socket.emitJson('chat-message', '{"text":"hello"}')).toMatchObject({ ok: true });
      expect(await socket.emitJson('chat-message', '{"text":"boom"}')).toMatchObject({ ok: false, error: { code: 'internal' } });
      expect(await socket.emitJson('signal', JSON.stringify({ to: 'nobody', data: { token } }))).toMatchObject({ ok: false });
      expect(await socket.emitJson('join-session', JSON.stringify({ sessionId: 'another-class', token }))).toMatchObject({ ok: false });
      socket.close();
      await socket.closed;
    }
    for (const token of [forged, expired, 'not-a-jwt', `${tutor}x`]) {
      await expect(RawClient.connect(app.url, { token })).rejects.toMatchObject({ data: { data: { code: 'unauthorized' } } });
    }
    // A client that puts the token in the query string instead of auth.
    const viaQuery = await fetch(`${app.url}/socket.io/?EIO=4&transport=polling&token=${tutor}`);
    expect(viaQuery.status).toBe(200);
    await app.close();

    const text = captured.text();
    // The capture works: the app logged at debug and error level meanwhile.
    expect(text).toContain('socket connected');
    expect(text).toContain('joined class');
    expect(text).toContain('the disk is full');
    expect(text).toContain('request failed');
    expect(text).toContain('event refused');
    expect(captured.lines().length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(text.includes(secret), `a token (${secret.slice(0, 12)}…) is in the log`).toBe(false);
      // Not even its signature (a token cut short or re-encoded).
      const signature = secret.split('.')[2];
      if (signature) expect(text.includes(signature), 'a token signature is in the log').toBe(false);
    }
  });
});
