import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createJanusClient,
  type JanusClientOptions,
  JanusError,
  type JanusEvent,
  type JanusHandle,
  type JanusSession,
} from '../../src/server/sfu/janus-api';
import { startJanusForTests, type TestJanus } from '../helpers/janus';

const root = fileURLToPath(new URL('../../', import.meta.url));
const offer = readFileSync(new URL('./fixtures/chromium-publisher-offer.sdp', import.meta.url), 'utf8');
const videoroom = 'janus.plugin.videoroom';
/** Janus drops a session after this many idle seconds here (60 in the real config): keep-alives matter within a test. */
const SESSION_TIMEOUT_S = 3;

let janus: TestJanus;
beforeAll(async () => {
  janus = await startJanusForTests({ sessionTimeout: SESSION_TIMEOUT_S });
});
afterAll(async () => {
  await janus?.stop();
});

const log = pino({ level: 'silent' });
const client = (options: Partial<JanusClientOptions> = {}) => createJanusClient({ url: janus.url, log, keepAliveMs: 1000, ...options });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let roomCounter = 0;
const newRoom = () => `class-${++roomCounter}-${Date.now().toString(36)}`;

/** A session destroyed when the test ends, whatever happens in it. */
async function openSession(options: Partial<JanusClientOptions> = {}): Promise<JanusSession> {
  const session = await client(options).createSession();
  onTestFinished(() => session.destroy().catch(() => undefined));
  return session;
}

/** A room on the media server, destroyed when the test ends. */
async function openRoom(control: JanusHandle, extra: Record<string, unknown> = {}): Promise<string> {
  const room = newRoom();
  await control.request({ request: 'create', room, publishers: 60, bitrate: 256_000, audiolevel_event: true, ...extra });
  onTestFinished(() => control.request({ request: 'destroy', room }).then(() => undefined, () => undefined));
  return room;
}

/** Rejects with the JanusError the promise fails with (fails the test if it resolves). */
async function janusError(promise: Promise<unknown>): Promise<JanusError> {
  const err = await promise.then(
    () => expect.fail('expected a JanusError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JanusError);
  return err as JanusError;
}

/** What Janus's core says to a raw request, bypassing the client (to check what it really knows). */
async function raw(path: string, body: Record<string, unknown>) {
  const res = await fetch(`${janus.url}${path}`, { method: 'POST', body: JSON.stringify({ ...body, transaction: 'raw' }) });
  return (await res.json()) as { janus: string; error?: { code: number } };
}

/** Resolves with the first event on the handle that matches. */
function nextEvent(handle: JanusHandle, where: (e: JanusEvent) => boolean, timeout = 5000): Promise<JanusEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no such event in time'));
    }, timeout);
    const stop = handle.onEvent((e) => {
      if (!where(e)) return;
      clearTimeout(timer);
      stop();
      resolve(e);
    });
  });
}

describe('the Janus API client', () => {
  it("reads the server's info: only VideoRoom and HTTP are loaded", async () => {
    const info = await client().info();
    expect(info).toMatchObject({ janus: 'server_info', 'session-timeout': SESSION_TIMEOUT_S });
    expect(info.version).toBeGreaterThanOrEqual(1000); // 1.x: the API this client speaks
    expect(Object.keys(info.plugins as object)).toEqual([videoroom]);
    expect(Object.keys(info.transports as object)).toEqual(['janus.transport.http']);
  });

  it('creates a room named by a string, finds it, and lists nobody in it', async () => {
    const session = await openSession();
    const control = await session.attach(videoroom);
    const room = newRoom();

    expect(await control.request({ request: 'create', room, publishers: 60, bitrate: 256_000, audiolevel_event: true })).toEqual({
      videoroom: 'created',
      room,
      permanent: false,
    });
    expect(await control.request({ request: 'exists', room })).toMatchObject({ videoroom: 'success', room, exists: true });
    expect(await control.request({ request: 'listparticipants', room })).toEqual({ videoroom: 'participants', room, participants: [] });
    expect(await control.request({ request: 'destroy', room })).toMatchObject({ videoroom: 'destroyed', room });
    expect(await control.request({ request: 'exists', room })).toMatchObject({ exists: false });
  });

  it("refuses what VideoRoom refuses with its error code, answered at once or later", async () => {
    const session = await openSession();
    const control = await session.attach(videoroom);
    const room = await openRoom(control);

    // Answered in the HTTP response.
    const destroyMissing = await janusError(control.request({ request: 'destroy', room: 'no-such-class' }));
    expect(destroyMissing).toMatchObject({ kind: 'plugin', code: 426 });
    expect(destroyMissing.reason).toMatch(/no such room/i);
    expect(await janusError(control.request({ request: 'create', room }))).toMatchObject({ kind: 'plugin', code: 427 });
    // Answered as an event on the long poll.
    const member = await session.attach(videoroom);
    const joinMissing = await janusError(member.message({ request: 'join', ptype: 'publisher', room: 'no-such-class', id: 'sock-1' }));
    expect(joinMissing).toMatchObject({ kind: 'plugin', code: 426 });
    // The handle is still usable after a refusal.
    expect(await member.message({ request: 'join', ptype: 'publisher', room, id: 'sock-1' })).toMatchObject({ data: { videoroom: 'joined' } });
  });

  it("a publisher joins (the answer comes as an event), shows in the room's list, and is kicked", async () => {
    const session = await openSession();
    const control = await session.attach(videoroom);
    const room = await openRoom(control);
    const ada = await session.attach(videoroom);
    const events: JanusEvent[] = [];
    ada.onEvent((e) => events.push(e));

    const joined = await ada.message({ request: 'join', ptype: 'publisher', room, id: 'sock-1', display: 'Ada' });
    expect(joined.data).toMatchObject({ videoroom: 'joined', room, id: 'sock-1', publishers: [] });
    expect(joined.jsep).toBeUndefined();
    // Our own answer is not also reported as an unsolicited event.
    expect(events).toEqual([]);
    expect(await control.request({ request: 'listparticipants', room })).toMatchObject({
      participants: [{ id: 'sock-1', display: 'Ada', publisher: false }],
    });

    const leaving = nextEvent(ada, (e) => e.data?.leaving !== undefined);
    expect(await control.request({ request: 'kick', room, id: 'sock-1' })).toEqual({ videoroom: 'success' });
    expect((await leaving).data).toMatchObject({ videoroom: 'event', room, leaving: 'ok', reason: 'kicked' });
    expect(await control.request({ request: 'listparticipants', room })).toMatchObject({ participants: [] });
    expect(await janusError(control.request({ request: 'kick', room, id: 'sock-1' }))).toMatchObject({ kind: 'plugin', code: 428 });
  });

  it("sends an offer along and gets Janus's answer back", async () => {
    const session = await openSession();
    const control = await session.attach(videoroom);
    const room = await openRoom(control);
    const publisher = await session.attach(videoroom);

    const reply = await publisher.message(
      { request: 'joinandconfigure', ptype: 'publisher', room, id: 'sock-tutor', display: 'Tutor', audio: true, video: true },
      { type: 'offer', sdp: offer },
    );
    expect(reply.data).toMatchObject({ videoroom: 'joined', id: 'sock-tutor', audio_codec: 'opus', video_codec: 'vp8' });
    expect(reply.jsep?.type).toBe('answer');
    expect(reply.jsep?.sdp).toMatch(/^v=0/);
  });

  it('tells other members of the room what happened to a member', async () => {
    const session = await openSession();
    const control = await session.attach(videoroom);
    const room = await openRoom(control, { notify_joining: true });
    const ada = await session.attach(videoroom);
    const bob = await session.attach(videoroom);
    await ada.message({ request: 'join', ptype: 'publisher', room, id: 'sock-ada', display: 'Ada' });

    const joining = nextEvent(ada, (e) => e.data?.joining !== undefined);
    await bob.message({ request: 'join', ptype: 'publisher', room, id: 'sock-bob', display: 'Bob' });
    expect((await joining).data).toEqual({ videoroom: 'event', room, joining: { id: 'sock-bob', display: 'Bob' } });

    const kicked = nextEvent(ada, (e) => e.data?.kicked !== undefined);
    await control.request({ request: 'kick', room, id: 'sock-bob' });
    expect((await kicked).data).toEqual({ videoroom: 'event', room, kicked: 'sock-bob' });
  });

  it('a detached handle is gone at Janus and refuses further requests', async () => {
    const session = await openSession();
    const handle = await session.attach(videoroom);
    await handle.detach();
    await handle.detach(); // twice is fine

    expect(await janusError(handle.request({ request: 'list' }))).toMatchObject({ kind: 'closed' });
    const atJanus = await raw(`/${session.id}/${handle.id}`, { janus: 'message', body: { request: 'list' } });
    expect(atJanus).toMatchObject({ janus: 'error', error: { code: 459 } });
  });

  it('a destroyed session is gone at Janus and refuses further requests', async () => {
    const session = await client().createSession();
    const handle = await session.attach(videoroom);
    const closed: string[] = [];
    session.onClosed((reason) => closed.push(reason));
    await session.destroy();
    await session.destroy(); // twice is fine

    expect(await janusError(session.attach(videoroom))).toMatchObject({ kind: 'closed' });
    expect(await janusError(handle.request({ request: 'list' }))).toMatchObject({ kind: 'closed' });
    expect(await raw(`/${session.id}`, { janus: 'keepalive' })).toMatchObject({ janus: 'error', error: { code: 458 } });
    // Only a session that ends on its own is reported as closed.
    expect(closed).toEqual([]);
  });

  it(
    'keep-alives hold a session past the session timeout; without them Janus drops it and the client says so',
    async () => {
      const kept = await openSession({ keepAliveMs: 1000 });
      const keptHandle = await kept.attach(videoroom);
      const keptClosed: string[] = [];
      kept.onClosed((reason) => keptClosed.push(reason));

      const idle = await openSession({ keepAliveMs: 60_000 });
      const idleHandle = await idle.attach(videoroom);
      const detached = nextEvent(idleHandle, (e) => e.janus === 'detached', 15_000);
      const idleClosed = new Promise<string>((resolve) => idle.onClosed(resolve));

      await sleep((SESSION_TIMEOUT_S + 2) * 1000);
      expect(keptClosed).toEqual([]);
      expect(await keptHandle.request({ request: 'list' })).toMatchObject({ videoroom: 'success' });

      // Janus says "timeout" on a waiting poll; if none was waiting at that moment, the next poll
      // finds the session unknown. Either way the client reports it gone.
      expect(await idleClosed).toMatch(/timed out|no longer knows/);
      // The handle hears of it: from Janus itself (its own `detached`), or from the client when Janus could not say.
      expect((await detached).janus).toBe('detached');
      expect(await janusError(idleHandle.request({ request: 'list' }))).toMatchObject({ kind: 'closed' });
    },
    20_000,
  );

  it('a session Janus forgot (a restart, another client destroying it) closes, and its handles hear of it', async () => {
    const session = await openSession();
    const handle = await session.attach(videoroom);
    const closed = new Promise<string>((resolve) => session.onClosed(resolve));
    const detached = nextEvent(handle, (e) => e.janus === 'detached');

    expect(await raw(`/${session.id}`, { janus: 'destroy' })).toMatchObject({ janus: 'success' });
    // Janus does not end the pending long poll: the next keep-alive (1 s here) finds the session gone.
    expect(await closed).toBeTruthy();
    expect((await detached).janus).toBe('detached');
    expect(await janusError(handle.request({ request: 'list' }))).toMatchObject({ kind: 'closed' });
  });

  it('a request without an answer in time fails with a timeout error', async () => {
    // Janus never hears the message: its POST hangs until the client gives up on it.
    const hangingMessages: typeof fetch = (input, init) =>
      typeof init?.body === 'string' && init.body.includes('"janus":"message"')
        ? new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
        : fetch(input, init);
    const session = await openSession({ fetchImpl: hangingMessages, requestTimeoutMs: 300 });
    const handle = await session.attach(videoroom);

    const started = Date.now();
    expect(await janusError(handle.request({ request: 'list' }))).toMatchObject({ kind: 'timeout', code: 0 });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('sends nothing more once a session is destroyed', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    const session = await client({ fetchImpl: counting, keepAliveMs: 200 }).createSession();
    const handle = await session.attach(videoroom);
    await handle.request({ request: 'list' });
    await sleep(500); // keep-alives and the poll run
    await session.destroy();
    const after = calls;
    await sleep(700);
    expect(calls).toBe(after);
  });

  it(
    'leaves no timer or request behind: a process that destroys its session exits by itself',
    async () => {
      const script = `
        import pino from 'pino';
        import { createJanusClient } from './src/server/sfu/janus-api.ts';
        const janus = createJanusClient({ url: process.env.JANUS_URL, log: pino({ level: 'silent' }), keepAliveMs: 500 });
        const session = await janus.createSession();
        const handle = await session.attach('janus.plugin.videoroom');
        await handle.request({ request: 'list' });
        await new Promise((resolve) => setTimeout(resolve, 1200));
        await session.destroy();
        console.log('destroyed');
      `;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: root,
        env: { ...process.env, JANUS_URL: janus.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const killer = setTimeout(() => child.kill('SIGKILL'), 12_000);
      const code = await exited;
      clearTimeout(killer);
      expect(output).toContain('destroyed');
      expect(code, `the process did not exit on its own:\n${output}`).toBe(0);
    },
    20_000,
  );
});
