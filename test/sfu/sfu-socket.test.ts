import { readFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SfuReply, sfuPeer } from '../../src/protocol';
import { createJanusClient } from '../../src/server/sfu/janus-api';
import { startJanusForTests, type TestJanus } from '../helpers/janus';
import {
  emitAck,
  expectFail,
  expectOk,
  joinAs,
  nextEvent,
  record,
  settle,
  startTestServer,
  type TestServer,
  type TestSocket,
} from '../helpers/server';

const offer = readFileSync(new URL('./fixtures/chromium-publisher-offer.sdp', import.meta.url), 'utf8');
const ADMIN_TOKEN = 'sfu-admin-token';

let janus: TestJanus;
beforeAll(async () => {
  janus = await startJanusForTests();
});
afterAll(async () => {
  await janus?.stop();
});

let classCounter = 0;
const newClass = () => `sfu-class-${++classCounter}-${Date.now()}`;

async function server(sfuThreshold = 6): Promise<TestServer> {
  return startTestServer({
    janus: createJanusClient({ url: janus.url, log: pino({ level: 'silent' }) }),
    sfuThreshold,
    adminToken: ADMIN_TOKEN,
  });
}

/** The next reply of the media server to this socket. */
const sfuReply = (socket: TestSocket, where: (r: SfuReply) => boolean = () => true, timeout = 5000) =>
  nextEvent(socket, 'signal', { timeout, where: (e) => e.from === sfuPeer && where(e.data as SfuReply) }).then(
    (e) => e.data as SfuReply,
  );

const publishersOf = async (s: TestServer, classId: string) => {
  const res = await s.app.inject({
    method: 'GET',
    url: `/api/admin/classes/${classId}/media`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(res.statusCode).toBe(200);
  return res.json() as { mode: string; mediaServer: boolean; members: Array<{ socketId: string; name: string; sending: boolean }> };
};

describe('large classes through Janus', () => {
  it('a class moves to the media server when its students pass the threshold, and everyone hears it', async () => {
    const s = await server(2);
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId);
    const first = await joinAs(s, 'student', classId);
    const second = await joinAs(s, 'student', classId);
    const updates = [record(tutor.socket, 'class-updated'), record(first.socket, 'class-updated')];
    const third = await joinAs(s, 'student', classId);
    await settle(tutor.socket, first.socket, second.socket);
    for (const seen of updates) expect(seen.map((c) => c.media)).toEqual(['sfu']);
    // A newcomer learns the mode from the join itself.
    const late = await joinAs(s, 'student', classId);
    expect(expectOk(await emitAck(late.socket, 'join-session', { sessionId: classId })).controls.media).toBe('sfu');
    expect((await publishersOf(s, classId)).mode).toBe('sfu');
    void third;
  });

  it('a class created as a large one starts on the media server with its first member', async () => {
    const s = await server();
    const large = await s.classes.create({ title: 'Lecture', tutorId: 'tutor-large', tutorName: 'Ada', largeClass: true });
    const small = await s.classes.create({ title: 'Seminar', tutorId: 'tutor-large', tutorName: 'Ada' });
    const tutor = await joinAs(s, 'tutor', large.id);
    expect(expectOk(await emitAck(tutor.socket, 'join-session', { sessionId: large.id })).controls.media).toBe('sfu');
    const student = await joinAs(s, 'student', large.id);
    expect(expectOk(await emitAck(student.socket, 'join-session', { sessionId: large.id })).controls.media).toBe('sfu');
    const other = await joinAs(s, 'tutor', small.id);
    expect(expectOk(await emitAck(other.socket, 'join-session', { sessionId: small.id })).controls.media).toBe('direct');
    // Without a media server a large class keeps direct links (the star past 4 students).
    const plain = await startTestServer();
    const alone = await plain.classes.create({ title: 'Lecture', tutorId: 'tutor-plain', tutorName: 'Ada', largeClass: true });
    const plainTutor = await joinAs(plain, 'tutor', alone.id);
    expect(expectOk(await emitAck(plainTutor.socket, 'join-session', { sessionId: alone.id })).controls.media).toBe('direct');
  });

  it('a tutor moves the class before it grows; a student may not', async () => {
    const s = await server();
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId);
    const student = await joinAs(s, 'student', classId);
    expectFail(await emitAck(student.socket, 'set-media-mode', { mode: 'sfu' }), 'forbidden');
    const heard = nextEvent(student.socket, 'class-updated');
    expect(expectOk(await emitAck(tutor.socket, 'set-media-mode', { mode: 'sfu' })).controls.media).toBe('sfu');
    expect((await heard).media).toBe('sfu');
  });

  it('signals to the media server are refused while the class uses direct links', async () => {
    const s = await server();
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId);
    expectFail(
      await emitAck(tutor.socket, 'signal', { to: sfuPeer, data: { kind: 'publish', link: 'l1', jsep: { type: 'offer', sdp: offer } } }),
      'not_found',
    );
  });

  it("a publication gets Janus's answer, shows in Janus's list, and goes when its socket leaves", async () => {
    const s = await server(0);
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId, { name: 'Ada' });
    const student = await joinAs(s, 'student', classId, { name: 'Ben' });
    const answer = sfuReply(student.socket);
    expectOk(await emitAck(student.socket, 'signal', { to: sfuPeer, data: { kind: 'publish', link: 'pub-1', jsep: { type: 'offer', sdp: offer } } }));
    const reply = await answer;
    expect(reply).toMatchObject({ kind: 'answer', link: 'pub-1', jsep: { type: 'answer' } });
    expect((reply as { jsep: { sdp: string } }).jsep.sdp).toMatch(/^v=0/);
    expect((await publishersOf(s, classId)).members).toEqual([{ socketId: student.socket.id, name: 'Ben', sending: false }]);

    student.socket.disconnect();
    await expect.poll(async () => (await publishersOf(s, classId)).members, { timeout: 5000 }).toEqual([]);
    void tutor;
  });

  it("a removed student's publication is dropped by Janus", async () => {
    const s = await server(0);
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId, { name: 'Ada' });
    const student = await joinAs(s, 'student', classId, { name: 'Ben' });
    const answer = sfuReply(student.socket);
    expectOk(await emitAck(student.socket, 'signal', { to: sfuPeer, data: { kind: 'publish', link: 'pub-1', jsep: { type: 'offer', sdp: offer } } }));
    await answer;
    expect((await publishersOf(s, classId)).members).toHaveLength(1);
    expectOk(await emitAck(tutor.socket, 'remove-participant', { socketId: student.socket.id }));
    await expect.poll(async () => (await publishersOf(s, classId)).members, { timeout: 5000 }).toEqual([]);
  });

  it('a subscription is only to a member of the same class', async () => {
    const s = await server(0);
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId);
    await joinAs(s, 'student', classId);
    const elsewhere = await joinAs(s, 'student', newClass());
    expectFail(
      await emitAck(tutor.socket, 'signal', { to: sfuPeer, data: { kind: 'subscribe', link: 'sub-1', feed: elsewhere.socket.id } }),
      'not_in_session',
    );
  });

  it('a malformed request is invalid_payload; an offer Janus cannot take closes that link', async () => {
    const s = await server(0);
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId);
    await joinAs(s, 'student', classId);
    expectFail(await emitAck(tutor.socket, 'signal', { to: sfuPeer, data: { kind: 'publish', link: 'x' } }), 'invalid_payload');
    expectFail(await emitAck(tutor.socket, 'signal', { to: sfuPeer, data: { kind: 'teleport', link: 'x' } }), 'invalid_payload');
    const closed = sfuReply(tutor.socket);
    expectOk(
      await emitAck(tutor.socket, 'signal', { to: sfuPeer, data: { kind: 'publish', link: 'bad', jsep: { type: 'offer', sdp: 'v=0\r\nnonsense' } } }),
    );
    expect(await closed).toMatchObject({ kind: 'closed', link: 'bad' });
    expect((await publishersOf(s, classId)).members).toEqual([]);
  });

  it('without a media server, the tutor is told large-class video is not set up', async () => {
    const s = await startTestServer();
    const classId = newClass();
    const tutor = await joinAs(s, 'tutor', classId);
    const fail = expectFail(await emitAck(tutor.socket, 'set-media-mode', { mode: 'sfu' }), 'not_found');
    expect(fail.error.message).toMatch(/not set up/);
  });
});
