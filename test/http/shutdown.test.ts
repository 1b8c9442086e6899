import { describe, expect, it } from 'vitest';
import { type ChatStore, createMemoryChatStore } from '../../src/server/chat/chat-store';
import { storeWithAPause } from '../helpers/class-stores';
import { emitAck, expectOk, joinAs, nextEvent, startTestServer } from '../helpers/server';

/** A memory chat store that refuses every write once closed, as a closed database does. */
function closableChatStore() {
  const inner = createMemoryChatStore();
  let closed = false;
  const store: ChatStore = {
    ...inner,
    append(input, options) {
      return closed ? Promise.reject(new Error('driver has already been destroyed')) : inner.append(input, options);
    },
  };
  return { store, inner, close: () => void (closed = true) };
}

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

  it('stores the leave of a student who says goodbye while the server stops, before it resolves', async () => {
    const chat = closableChatStore();
    const classes = storeWithAPause();
    const server = await startTestServer({ chat: chat.store, store: classes.store });
    const tutor = await joinAs(server, 'tutor', 'c1', { userId: 'tutor' });
    const student = await joinAs(server, 'student', 'c1', { userId: 'amy', name: 'Amy' });
    const leave = classes.pauseNext();
    student.socket.disconnect();
    // The goodbye reached the server and its leave is under way while the server stops.
    await leave.stored;
    // As the process does (apps/server/main.ts): the database closes once the shutdown resolves.
    const stopping = server.shutdown().then(() => chat.close());
    await new Promise((closed) => tutor.socket.once('disconnect', closed));
    leave.go();
    await stopping;
    const lines = (await chat.inner.history('c1')).map((m) => m.text);
    expect(lines).toContain('Amy left the class');
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
