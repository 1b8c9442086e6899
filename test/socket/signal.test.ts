import { describe, expect, it } from 'vitest';
import { limits } from '../../src/protocol';
import { emitAck, expectFail, expectOk, joinAs, nextEvent, record, settle, startTestServer } from '../helpers/server';

const CLASS = 'class-a';
const OTHER = 'class-b';

describe('signal relay', () => {
  it('relays data to the target with `from` stamped by the server', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

    const received = nextEvent(student.socket, 'signal');
    expectOk(await emitAck(tutor.socket, 'signal', { to: student.socket.id, data: offer }));
    expect(await received).toEqual({ from: tutor.socket.id, data: offer });

    const answer = nextEvent(tutor.socket, 'signal');
    const candidate = { candidate: { candidate: 'candidate:1 1 UDP 1 127.0.0.1 5000 typ host', sdpMid: '0' } };
    expectOk(await emitAck(student.socket, 'signal', { to: tutor.socket.id, data: candidate }));
    expect(await answer).toEqual({ from: student.socket.id, data: candidate });
  });

  it('ignores a forged `from` in the payload', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const s1 = await joinAs(server, 'student', CLASS);
    const s2 = await joinAs(server, 'student', CLASS);
    const received = nextEvent(s2.socket, 'signal');
    expectOk(await emitAck(s1.socket, 'signal', { to: s2.socket.id, from: tutor.socket.id, data: { x: 1 } }));
    expect(await received).toEqual({ from: s1.socket.id, data: { x: 1 } });
  });

  it('only the target receives it', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const s1 = await joinAs(server, 'student', CLASS);
    const s2 = await joinAs(server, 'student', CLASS);
    const tutorGot = record(tutor.socket, 'signal');
    const s2Got = record(s2.socket, 'signal');
    const s1Got = nextEvent(s1.socket, 'signal');
    expectOk(await emitAck(tutor.socket, 'signal', { to: s1.socket.id, data: 'hello' }));
    await s1Got;
    await settle(tutor.socket, s2.socket);
    expect(tutorGot).toEqual([]);
    expect(s2Got).toEqual([]);
  });

  it('a signal to a socket in another class is not_in_session and is not delivered', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const elsewhere = await joinAs(server, 'student', OTHER);
    const got = record(elsewhere.socket, 'signal');
    expectFail(await emitAck(tutor.socket, 'signal', { to: elsewhere.socket.id, data: {} }), 'not_in_session');
    await settle(elsewhere.socket);
    expect(got).toEqual([]);
  });

  it('a signal before joining is not_in_session and is not delivered', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const got = record(tutor.socket, 'signal');
    const outsider = await server.connect(await server.mint('student', CLASS));
    expectFail(await emitAck(outsider, 'signal', { to: tutor.socket.id, data: {} }), 'not_in_session');
    await settle(tutor.socket);
    expect(got).toEqual([]);
  });

  it('a signal to oneself or to an unknown socket is not_in_session', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    expectFail(await emitAck(tutor.socket, 'signal', { to: tutor.socket.id, data: {} }), 'not_in_session');
    expectFail(await emitAck(tutor.socket, 'signal', { to: 'no-such-socket', data: {} }), 'not_in_session');
  });

  it('a signal to someone who has left is not_in_session', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const got = record(student.socket, 'signal');
    expectOk(await emitAck(student.socket, 'leave-session', {}));
    expectFail(await emitAck(tutor.socket, 'signal', { to: student.socket.id, data: {} }), 'not_in_session');
    await settle(student.socket);
    expect(got).toEqual([]);
  });

  it('a signal just under the size limit is relayed; one over it is invalid_payload and not delivered', async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', CLASS);
    const student = await joinAs(server, 'student', CLASS);
    const got = record(student.socket, 'signal');

    const fits = 'a'.repeat(limits.signalBytes - 2); // JSON adds the two quotes
    const arrived = nextEvent(student.socket, 'signal');
    expectOk(await emitAck(tutor.socket, 'signal', { to: student.socket.id, data: fits }));
    expect((await arrived).data).toBe(fits);

    const tooBig = { sdp: 'a'.repeat(limits.signalBytes + 1) };
    expectFail(await emitAck(tutor.socket, 'signal', { to: student.socket.id, data: tooBig }), 'invalid_payload');
    await settle(student.socket);
    expect(got).toHaveLength(1);
    expect(tutor.socket.connected).toBe(true);
  });
});
