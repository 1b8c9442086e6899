import { describe, expect, it } from 'vitest';
import { limits, type ServerEventName } from '../../src/protocol';
import {
  emitAck,
  expectFail,
  expectOk,
  joinAs,
  leftWithLine,
  nextEvent,
  record,
  rosterOf,
  settle,
  startTestServer,
  type TestServer,
} from '../helpers/server';

const CLASS = 'class-a';
const huge = 'x'.repeat(limits.idLength + 1);

/** Every payload here is refused with invalid_payload. */
const malformed: Record<string, unknown[]> = {
  'join-session': [
    null,
    42,
    'class-a',
    [],
    {},
    { sessionId: 42 },
    { sessionId: '' },
    { sessionId: huge },
    { sessionId: 'has spaces' },
    { sessionId: '../etc' },
    { sessionId: '*' },
    { sessionId: CLASS, isAudioOn: 'yes' },
    { sessionId: CLASS, isVideoOn: 1 },
  ],
  'get-session-users': [null, 7, {}, { sessionId: null }, { sessionId: huge }],
  signal: [
    null,
    0,
    {},
    { data: {} },
    { to: 'someone' },
    { to: 42, data: {} },
    { to: '', data: {} },
    { to: huge, data: {} },
  ],
  'toggle-audio': [null, true, {}, { enabled: 'false' }, { enabled: 0 }, { enabled: null }],
  'toggle-video': [null, 'on', {}, { enabled: 1 }],
  'raise-hand': [null, 1, 'up', []],
  'lower-hand': [null, 1, { socketId: 5 }, { socketId: '' }, { socketId: huge }],
  'mute-participant': [null, 1, {}, { socketId: null }, { socketId: 3 }, { socketId: huge }],
  'mute-all': [null, 'all', 3],
  'leave-session': [null, 5],
};

/** A tutor and a student who raised a hand: the state that must survive every bad payload. */
async function setUp(server: TestServer) {
  const tutor = await joinAs(server, 'tutor', CLASS, { userId: 'tutor' });
  const student = await joinAs(server, 'student', CLASS, { userId: 'student' });
  expectOk(await emitAck(student.socket, 'raise-hand', {}));
  // Let the raise reach everyone before the tests start listening.
  await settle(tutor.socket, student.socket);
  return { tutor, student };
}

const serverEvents: ServerEventName[] = [
  'user-joined',
  'user-left',
  'participant-updated',
  'signal',
  'force-mute',
  'session-replaced',
  'existing-users',
];

describe('malformed payloads', () => {
  for (const [event, payloads] of Object.entries(malformed)) {
    it(`${event}: every malformed payload gets invalid_payload and changes nothing`, async () => {
      const server = await startTestServer();
      const { tutor, student } = await setUp(server);
      const before = await server.store.list();
      const heard = serverEvents.flatMap((name) => [record(tutor.socket, name), record(student.socket, name)]);

      for (const payload of payloads) {
        // The tutor sends it (it could do the most), then the student.
        expectFail(await emitAck(tutor.socket, event, payload), 'invalid_payload');
        expectFail(await emitAck(student.socket, event, payload), 'invalid_payload');
      }

      await settle(tutor.socket, student.socket);
      expect(heard.flat()).toEqual([]);
      expect(await server.store.list()).toEqual(before);
      expect(tutor.socket.connected && student.socket.connected).toBe(true);
      expect(await rosterOf(tutor.socket, CLASS)).toEqual([before[0].participants[1]]);
      expect(before[0].participants[1]).toMatchObject({ userId: 'student', isHandRaised: true });
    });
  }

  it('events that need a payload refuse an emit with none', async () => {
    const server = await startTestServer();
    const { tutor, student } = await setUp(server);
    const before = await server.store.list();
    for (const event of ['join-session', 'get-session-users', 'signal', 'toggle-audio', 'toggle-video', 'mute-participant']) {
      expectFail(await emitAck(tutor.socket, event), 'invalid_payload');
    }
    expect(await server.store.list()).toEqual(before);
    expect(student.socket.connected).toBe(true);
  });

  it('a very long chat-sized string where an id belongs is refused, not truncated', async () => {
    const server = await startTestServer();
    const socket = await server.connect(await server.mint('admin', '*'));
    expectFail(await emitAck(socket, 'join-session', { sessionId: 'a'.repeat(60_000) }), 'invalid_payload');
    expect(await server.store.list()).toEqual([]);
  });

  it('an unknown event is ignored and the connection stays usable', async () => {
    const server = await startTestServer();
    const { tutor } = await setUp(server);
    tutor.socket.emit('drop-table', { all: true });
    // Names every object has are not events either (the handlers are one table shared by all sockets).
    const answered: string[] = [];
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) tutor.socket.emit(name, { sessionId: CLASS }, () => answered.push(name));
    tutor.socket.emit('join-session');
    expect(await rosterOf(tutor.socket, CLASS)).toHaveLength(1);
    expect(answered).toEqual([]);
  });

  it('a message over the socket buffer limit closes only that connection', async () => {
    // No grace: a dropped connection leaves at once, so the roster can be checked right away.
    const server = await startTestServer({ grace: { networkMs: 0, closeMs: 0 } });
    const { tutor, student } = await setUp(server);
    const closed = new Promise((resolve) => student.socket.once('disconnect', resolve));
    const left = nextEvent(tutor.socket, 'user-left');
    student.socket.emit('signal', { to: tutor.socket.id, data: 'x'.repeat(limits.socketBufferBytes + 1024) });
    await closed;
    expect(await left).toEqual(leftWithLine(student));
    expect(await rosterOf(tutor.socket, CLASS)).toEqual([]);
    expect(tutor.socket.connected).toBe(true);
  });
});
