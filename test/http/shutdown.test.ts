import { describe, expect, it } from 'vitest';
import { emitAck, expectOk, nextEvent, startTestServer } from '../helpers/server';

describe('a graceful shutdown', () => {
  it('tells connected clients, refuses new work, and closes promptly while browsers are still connected', async () => {
    const server = await startTestServer();
    const token = await server.mint('student', 'c1', 'Amy');
    const socket = await server.connect(token);
    expectOk(await emitAck(socket, 'join-session', { sessionId: 'c1' }));
    const told = nextEvent(socket, 'server-restarting');
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await told).toEqual({ reason: expect.any(String) });
  });
});

describe('POST /api/chat flood', () => {
  it('is rate limited per user with 429 rate_limited, like the socket', async () => {
    const server = await startTestServer();
    const token = await server.mint('student', 'c1', 'Amy');
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/chat',
        headers: { authorization: `Bearer ${token}` },
        payload: { sessionId: 'c1', text: `flood ${i}` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) expect(res.json().error.code).toBe('rate_limited');
    }
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(11);
    expect(statuses).toContain(429);
    const other = await server.mint('student', 'c1', 'Ben');
    const res = await server.app.inject({ method: 'POST', url: '/api/chat', headers: { authorization: `Bearer ${other}` }, payload: { sessionId: 'c1', text: 'still here' } });
    expect(res.statusCode).toBe(201);
  });
});
