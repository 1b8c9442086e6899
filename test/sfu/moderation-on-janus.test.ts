import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sfuPeer } from '../../src/protocol';
import type { JanusClient, JanusEvent, JanusHandle, JanusReply } from '../../src/server/sfu/janus-api';
import { emitAck, expectOk, joinAs, nextEvent, startTestServer } from '../helpers/server';

const offer = readFileSync(new URL('./fixtures/chromium-publisher-offer.sdp', import.meta.url), 'utf8');

type Sent = { body: Record<string, unknown> };

/**
 * A stand-in for Janus that answers like VideoRoom and records every request, so a test can read
 * exactly what the server asked Janus to forward.
 */
function recordingJanus() {
  const sent: Sent[] = [];
  let handles = 0;
  const handle = (): JanusHandle => {
    const id = ++handles;
    const listeners = new Set<(e: JanusEvent) => void>();
    return {
      id,
      plugin: 'janus.plugin.videoroom',
      async request<T>(body: object) {
        sent.push({ body: body as Record<string, unknown> });
        return { videoroom: 'success' } as T;
      },
      async message(body: object): Promise<JanusReply> {
        sent.push({ body: body as Record<string, unknown> });
        return { data: { videoroom: 'joined' }, jsep: { type: 'answer', sdp: 'v=0\r\n' } };
      },
      onEvent(fn) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
      async detach() {
        sent.push({ body: { request: 'detach', handle: id } });
      },
    };
  };
  const janus: JanusClient = {
    async info() {
      return {};
    },
    async createSession() {
      return {
        id: 1,
        attach: async () => handle(),
        destroy: async () => undefined,
        onClosed: () => () => undefined,
      };
    },
  };
  const moderations = () => sent.map((s) => s.body).filter((b) => b.request === 'moderate');
  const requests = (name: string) => sent.map((s) => s.body).filter((b) => b.request === name);
  return { janus, sent, moderations, requests };
}

describe('the class state decides what Janus forwards', () => {
  it('a publication starts as the state allows; mutes, locks and removal follow on Janus', async () => {
    const fake = recordingJanus();
    const server = await startTestServer({ janus: fake.janus, sfuThreshold: 0 });
    const CLASS = 'janus-moderation';
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ada' });
    const ben = await joinAs(server, 'student', CLASS, { name: 'Ben' });

    const answer = nextEvent(ben.socket, 'signal', { where: (e) => e.from === sfuPeer });
    expectOk(await emitAck(ben.socket, 'signal', { to: sfuPeer, data: { kind: 'publish', link: 'p1', jsep: { type: 'offer', sdp: offer } } }));
    expect((await answer).data).toMatchObject({ kind: 'answer', link: 'p1' });
    expect(fake.requests('create')[0]).toMatchObject({ room: CLASS });
    expect(fake.requests('joinandconfigure')[0]).toMatchObject({ room: CLASS, ptype: 'publisher', id: ben.socket.id, display: 'Ben' });
    // On joining, Ben's microphone and camera are on: both forwarded (audio is mid 0, video mid 1 in the offer).
    expect(fake.moderations()).toEqual([
      { request: 'moderate', room: CLASS, id: ben.socket.id, mid: '0', mute: false },
      { request: 'moderate', room: CLASS, id: ben.socket.id, mid: '1', mute: false },
    ]);

    fake.sent.length = 0;
    expectOk(await emitAck(tutor.socket, 'mute-participant', { socketId: ben.socket.id }));
    await expect.poll(() => fake.moderations()).toContainEqual({ request: 'moderate', room: CLASS, id: ben.socket.id, mid: '0', mute: true });

    fake.sent.length = 0;
    expectOk(await emitAck(tutor.socket, 'lock-media', { kind: 'video', locked: true }));
    await expect.poll(() => fake.moderations()).toContainEqual({ request: 'moderate', room: CLASS, id: ben.socket.id, mid: '1', mute: true });

    fake.sent.length = 0;
    const benSocket = ben.socket.id;
    expectOk(await emitAck(tutor.socket, 'remove-participant', { socketId: benSocket }));
    await expect.poll(() => fake.requests('kick')).toEqual([{ request: 'kick', room: CLASS, id: benSocket }]);
    await expect.poll(() => fake.requests('detach').length).toBe(1);
  });

  it('a muted student who publishes again stays muted on Janus', async () => {
    const fake = recordingJanus();
    const server = await startTestServer({ janus: fake.janus, sfuThreshold: 0 });
    const CLASS = 'janus-remute';
    const tutor = await joinAs(server, 'tutor', CLASS);
    const ben = await joinAs(server, 'student', CLASS);
    expectOk(await emitAck(tutor.socket, 'mute-participant', { socketId: ben.socket.id }));
    fake.sent.length = 0;
    const answer = nextEvent(ben.socket, 'signal', { where: (e) => e.from === sfuPeer });
    expectOk(await emitAck(ben.socket, 'signal', { to: sfuPeer, data: { kind: 'publish', link: 'p2', jsep: { type: 'offer', sdp: offer } } }));
    await answer;
    expect(fake.moderations()).toContainEqual({ request: 'moderate', room: CLASS, id: ben.socket.id, mid: '0', mute: true });
  });

  it('the room goes when the class empties', async () => {
    const fake = recordingJanus();
    const server = await startTestServer({ janus: fake.janus, sfuThreshold: 0 });
    const CLASS = 'janus-empties';
    const tutor = await joinAs(server, 'tutor', CLASS);
    const ben = await joinAs(server, 'student', CLASS);
    expectOk(await emitAck(ben.socket, 'leave-session', {}));
    expectOk(await emitAck(tutor.socket, 'leave-session', {}));
    await expect.poll(() => fake.requests('destroy')).toEqual([{ request: 'destroy', room: CLASS }]);
  });
});
