import { describe, expect, it } from 'vitest';
import { emitAck, expectOk, joinAs, nextEvent, startTestServer } from '../helpers/server';

const ADMIN = 'admin-console-test-secret';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the admin console API', () => {
  it('is off without ADMIN_TOKEN', async () => {
    const server = await startTestServer();
    const res = await server.app.inject({ method: 'GET', url: '/api/admin/classes', headers: bearer('anything') });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('refuses a missing or wrong admin token, and a join token', async () => {
    const server = await startTestServer({ adminToken: ADMIN });
    const joinToken = await server.mint('admin', '*');
    for (const headers of [{}, bearer('wrong'), bearer(joinToken), bearer(`${ADMIN}x`)]) {
      const res = await server.app.inject({ method: 'GET', url: '/api/admin/classes', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
    }
    expect((await server.app.inject({ method: 'POST', url: '/api/admin/session-token', headers: bearer('wrong') })).statusCode).toBe(401);
  });

  it('lists live classes with their tutor, participants and raised hands', async () => {
    const server = await startTestServer({ adminToken: ADMIN });
    const created = (await server.app.inject({ method: 'POST', url: '/api/classes', payload: { title: 'Physics', tutorName: 'Ada' } })).json();
    const tutorSocket = await server.connect(created.tutorToken);
    expectOk(await emitAck(tutorSocket, 'join-session', { sessionId: created.class.id }));
    const amy = await joinAs(server, 'student', created.class.id, { name: 'Amy' });
    await joinAs(server, 'student', created.class.id, { name: 'Ben' });
    expectOk(await emitAck(amy.socket, 'raise-hand', {}));
    await joinAs(server, 'student', 'other-class', { name: 'Cleo' });

    const res = await server.app.inject({ method: 'GET', url: '/api/admin/classes', headers: bearer(ADMIN) });
    expect(res.statusCode).toBe(200);
    expect(res.json().classes).toEqual([
      { id: created.class.id, title: 'Physics', tutor: 'Ada', tutorPresent: true, participants: 3, raisedHands: 1 },
      { id: 'other-class', title: 'other-class', tutor: null, tutorPresent: false, participants: 1, raisedHands: 0 },
    ]);
  });

  it('hands out an admin join token that moderates a live class', async () => {
    const server = await startTestServer({ adminToken: ADMIN });
    await joinAs(server, 'tutor', 'c1', { name: 'Ada' });
    const amy = await joinAs(server, 'student', 'c1', { name: 'Amy' });
    const res = await server.app.inject({ method: 'POST', url: '/api/admin/session-token', headers: bearer(ADMIN) });
    const { token } = res.json();
    expect(await server.tokens.verifyJoin(token)).toMatchObject({ role: 'admin', sessionId: '*' });
    const consoleSocket = await server.connect(token);
    expectOk(await emitAck(consoleSocket, 'join-session', { sessionId: 'c1' }));
    const muted = nextEvent(amy.socket, 'force-mute');
    expectOk(await emitAck(consoleSocket, 'mute-participant', { socketId: amy.self.socketId }));
    expect(await muted).toEqual({ by: 'Admin' });
  });
});
