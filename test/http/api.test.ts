import { describe, expect, it } from 'vitest';
import { limits } from '../../src/protocol';
import { signRaw, startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Starts a class the way the home page does. */
async function createClass(server: TestServer, body: unknown = { title: 'Algebra', tutorName: 'Ms Tutor' }) {
  return server.app.inject({ method: 'POST', url: '/api/classes', payload: body as object });
}

/** The invite token and class id from an inviteLink (`/join/<id>?invite=<token>`). */
function parseInviteLink(inviteLink: string) {
  const url = new URL(inviteLink, 'http://x');
  const match = /^\/join\/([^/]+)$/.exec(url.pathname);
  expect(match).not.toBeNull();
  return { classId: match![1], invite: url.searchParams.get('invite')! };
}

describe('GET /health', () => {
  it('answers 200 {status:"ok"}', async () => {
    const server = await startTestServer();
    const res = await server.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers over the real listener too', async () => {
    const server = await startTestServer();
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /api/config', () => {
  it('hands out the configured ICE servers', async () => {
    const iceServers = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org'], username: 'u', credential: 'p' }];
    const server = await startTestServer({ iceServers });
    const res = await server.app.inject({ method: 'GET', url: '/api/config' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ iceServers });
  });

  it('is an empty list by default', async () => {
    const server = await startTestServer();
    expect((await server.app.inject({ method: 'GET', url: '/api/config' })).json()).toEqual({ iceServers: [] });
  });
});

describe('POST /api/classes', () => {
  it('creates a class and returns a tutor link and an invite link', async () => {
    const server = await startTestServer();
    const res = await createClass(server, { title: '  Algebra  ', tutorName: 'Ms Tutor' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.class).toMatchObject({ id: expect.stringMatching(/^[A-Za-z0-9_-]+$/), title: 'Algebra', tutorName: 'Ms Tutor' });
    const id: string = body.class.id;

    expect(body.tutorLink).toBe(`/session/${id}?token=${encodeURIComponent(body.tutorToken)}`);
    const tutorToken = new URL(body.tutorLink, 'http://x').searchParams.get('token')!;
    const identity = await server.tokens.verifyJoin(tutorToken);
    expect(identity).toEqual({ userId: body.class.tutorId, name: 'Ms Tutor', role: 'tutor', sessionId: id });

    const { classId, invite } = parseInviteLink(body.inviteLink);
    expect(classId).toBe(id);
    expect(await server.tokens.verifyInvite(invite)).toBe(id);
    // An invite is not a join token.
    await expect(server.tokens.verifyJoin(invite)).rejects.toMatchObject({ name: 'TokenError' });

    expect(await server.classes.get(id)).toMatchObject({ id, title: 'Algebra' });
  });

  it('gives every class its own id', async () => {
    const server = await startTestServer();
    const a = (await createClass(server)).json();
    const b = (await createClass(server)).json();
    expect(a.class.id).not.toBe(b.class.id);
  });

  it.each<[string, unknown]>([
    ['no body', undefined],
    ['an empty object', {}],
    ['a missing tutorName', { title: 'Algebra' }],
    ['a missing title', { tutorName: 'T' }],
    ['a blank title', { title: '   ', tutorName: 'T' }],
    ['a number title', { title: 5, tutorName: 'T' }],
    ['a too long title', { title: 'x'.repeat(limits.titleLength + 1), tutorName: 'T' }],
    ['a too long name', { title: 'Algebra', tutorName: 'x'.repeat(limits.nameLength + 1) }],
    ['an array', []],
  ])('answers 400 invalid_payload to %s', async (_label, body) => {
    const server = await startTestServer();
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/classes',
      ...(body === undefined ? {} : { payload: body as object }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
    expect(await server.classes.listByTutor('anyone')).toEqual([]);
  });

  it('answers 400 invalid_payload to broken JSON', async () => {
    const server = await startTestServer();
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/classes',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": "Algebra",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'invalid_payload' } });
  });
});

describe('invite flow', () => {
  it('an invite link shows the class, then gives a student token for that class', async () => {
    const server = await startTestServer();
    const created = (await createClass(server, { title: 'Geometry', tutorName: 'T' })).json();
    const { classId, invite } = parseInviteLink(created.inviteLink);

    const shown = await server.app.inject({
      method: 'GET',
      url: `/api/classes/${classId}/invite?invite=${encodeURIComponent(invite)}`,
    });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({ class: { id: classId, title: 'Geometry' } });

    const joined = await server.app.inject({
      method: 'POST',
      url: `/api/classes/${classId}/students`,
      payload: { invite, name: ' Alice ' },
    });
    expect(joined.statusCode).toBe(201);
    const { token, link } = joined.json();
    expect(link).toBe(`/session/${classId}?token=${encodeURIComponent(token)}`);
    const identity = await server.tokens.verifyJoin(token);
    expect(identity).toEqual({ userId: expect.any(String), name: 'Alice', role: 'student', sessionId: classId });
    expect(identity.userId).not.toBe(created.class.tutorId);

    // Two students from the same invite are two people.
    const other = (
      await server.app.inject({ method: 'POST', url: `/api/classes/${classId}/students`, payload: { invite, name: 'Bob' } })
    ).json();
    expect((await server.tokens.verifyJoin(other.token)).userId).not.toBe(identity.userId);
  });

  it('refuses an invite for another class, a forged, an expired, a missing invite, or a join token (401)', async () => {
    const server = await startTestServer();
    const a = parseInviteLink((await createClass(server)).json().inviteLink);
    const b = parseInviteLink((await createClass(server)).json().inviteLink);
    const bad: (string | undefined)[] = [
      b.invite,
      await signRaw({ kind: 'invite', sessionId: a.classId }, { secret: 'another-secret-0123456789abcdef' }),
      await signRaw({ kind: 'invite', sessionId: a.classId }, { expiresIn: '-1m' }),
      await server.mint('tutor', a.classId),
      'garbage',
      undefined,
    ];
    for (const invite of bad) {
      const query = invite === undefined ? '' : `?invite=${encodeURIComponent(invite)}`;
      const shown = await server.app.inject({ method: 'GET', url: `/api/classes/${a.classId}/invite${query}` });
      expect(shown.statusCode, String(invite)).toBe(401);
      expect(shown.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      if (invite === undefined) continue;
      const joined = await server.app.inject({
        method: 'POST',
        url: `/api/classes/${a.classId}/students`,
        payload: { invite, name: 'Eve' },
      });
      expect(joined.statusCode).toBe(401);
      expect(joined.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
      expect(joined.json().token).toBeUndefined();
    }
  });

  it.each<[string, (invite: string) => unknown]>([
    ['no body', () => undefined],
    ['a missing name', (invite) => ({ invite })],
    ['a blank name', (invite) => ({ invite, name: '   ' })],
    ['a too long name', (invite) => ({ invite, name: 'x'.repeat(limits.nameLength + 1) })],
    ['a missing invite', () => ({ name: 'Alice' })],
    ['a number name', (invite) => ({ invite, name: 42 })],
    ['a forged role', (invite) => ({ invite, name: 'Alice', role: 'tutor' })],
  ])('POST students with %s', async (label, makeBody) => {
    const server = await startTestServer();
    const { classId, invite } = parseInviteLink((await createClass(server)).json().inviteLink);
    const body = makeBody(invite);
    const res = await server.app.inject({
      method: 'POST',
      url: `/api/classes/${classId}/students`,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    if (label === 'a forged role') {
      // Unknown fields are ignored: still a student.
      expect(res.statusCode).toBe(201);
      expect((await server.tokens.verifyJoin(res.json().token)).role).toBe('student');
      return;
    }
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
  });

  it('a malformed class id in the path is 400 invalid_payload; an absurdly long one is refused', async () => {
    const server = await startTestServer();
    for (const url of ['/api/classes/bad!id/invite?invite=a', '/api/session/bad%20id/me']) {
      const res = await server.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_payload', message: expect.any(String) } });
    }
    const long = await server.app.inject({ method: 'GET', url: `/api/classes/${'x'.repeat(200)}/invite?invite=a` });
    // Fastify's router refuses over-long path parameters itself (414 URI Too Long).
    expect(long.statusCode).toBe(414);
  });
});

describe('GET /api/session/:sessionId/me', () => {
  const me = (server: TestServer, sessionId: string, headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'GET', url: `/api/session/${sessionId}/me`, headers });

  it('with a good bearer: who the token says, and the class', async () => {
    const server = await startTestServer();
    const created = (await createClass(server, { title: 'Chemistry', tutorName: 'Dr T' })).json();
    const res = await me(server, created.class.id, bearer(created.tutorToken));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      identity: { userId: created.class.tutorId, name: 'Dr T', role: 'tutor', sessionId: created.class.id },
      class: { id: created.class.id, title: 'Chemistry' },
    });
  });

  it('a student token from the invite flow works for its class', async () => {
    const server = await startTestServer();
    const created = (await createClass(server)).json();
    const { classId, invite } = parseInviteLink(created.inviteLink);
    const { token } = (
      await server.app.inject({ method: 'POST', url: `/api/classes/${classId}/students`, payload: { invite, name: 'Al' } })
    ).json();
    const res = await me(server, classId, bearer(token));
    expect(res.statusCode).toBe(200);
    expect(res.json().identity).toMatchObject({ role: 'student', name: 'Al', sessionId: classId });
  });

  it("an admin token ('*') opens any class", async () => {
    const server = await startTestServer();
    const res = await me(server, 'any-class', bearer(await server.mint('admin', '*', 'Root')));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ identity: { role: 'admin', sessionId: '*' }, class: { id: 'any-class' } });
  });

  it('a token for another class is 403 forbidden', async () => {
    const server = await startTestServer();
    const res = await me(server, 'class-b', bearer(await server.mint('tutor', 'class-a')));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
  });

  it.each<[string, (server: TestServer) => Promise<Record<string, string>>]>([
    ['missing', async () => ({})],
    ['not a bearer', async (s) => ({ authorization: `Basic ${await s.mint('tutor', 'class-a')}` })],
    ['empty', async () => ({ authorization: 'Bearer ' })],
    ['garbage', async () => bearer('abc.def.ghi')],
    [
      'forged',
      async () =>
        bearer(await signRaw({ name: 'Eve', role: 'admin', sessionId: '*' }, { secret: 'not-the-secret-0123456789', subject: 'eve' })),
    ],
    ['expired', async (s) => bearer(await s.tokens.signJoin({ userId: 'u', name: 'U', role: 'tutor', sessionId: 'class-a' }, -5))],
    ['an invite', async (s) => bearer(await s.tokens.signInvite('class-a'))],
  ])('a %s bearer is 401 unauthorized', async (_label, headers) => {
    const server = await startTestServer();
    const res = await me(server, 'class-a', await headers(server));
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('says an expired link has expired', async () => {
    const server = await startTestServer();
    const token = await server.tokens.signJoin({ userId: 'u', name: 'U', role: 'student', sessionId: 'class-a' }, -5);
    const res = await me(server, 'class-a', bearer(token));
    expect(res.json().error.message).toMatch(/expired/i);
  });
});

describe('tokens without an expiry', () => {
  it('are refused: every join token must say when it expires', async () => {
    const server = await startTestServer();
    const { SignJWT } = await import('jose');
    const forever = await new SignJWT({ name: 'Ada', role: 'tutor', sessionId: 'c1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ada')
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const res = await server.app.inject({ method: 'GET', url: '/api/session/c1/me', headers: { authorization: `Bearer ${forever}` } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
  });
});
