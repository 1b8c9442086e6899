import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type ChatMessage, errorCodes } from '../../src/protocol';
import { createTokenService } from '../../src/server/auth/tokens';
import { openDatabase } from '../../src/server/storage/database';
import { createSqlChatStore } from '../../src/server/storage/sql-chat-store';
import { heldChatStore } from '../chat/support';
import { emitAck, expectFail, expectOk, joinAs, nextEvent, startTestServer } from '../helpers/server';

const root = fileURLToPath(new URL('../../', import.meta.url));
/**
 * What `npx tsx` runs. Not `npx` itself: npm's wrapper does not pass SIGTERM on to its child (it
 * exits at once and leaves the server running), so the signal goes to tsx, which relays it to the
 * server and exits with the server's code.
 */
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'apps/server/main.ts');
const JWT_SECRET = 'sigterm-test-secret-0123456789abcdef';
const CLASS = 'sigterm-class';
const CLIENTS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The status of GET /health, or the network error's code when nothing answers. */
async function health(url: string): Promise<number | string> {
  try {
    const res = await fetch(`${url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code ?? (err as Error).name;
  }
}

interface Server {
  child: ChildProcess;
  url: string;
  dbFile: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The real composition root in its own process, on a free port, a fresh SQLite file and data folder. */
async function startServerProcess(): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'classroom-sigterm-'));
  const port = await freePort();
  const dbFile = join(dir, 'classroom.db');
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Nothing from the developer's environment: one node, in memory, no admin console.
  for (const key of Object.keys(env)) {
    if (/^(REDIS_|ADMIN_TOKEN|CORS_ORIGINS|ICE_SERVERS|JANUS_URL|RECONNECT_GRACE_MS|RELOAD_GRACE_MS)/.test(key)) delete env[key];
  }
  Object.assign(env, {
    PORT: String(port),
    HOST: '127.0.0.1',
    JWT_SECRET,
    DATABASE_URL: `sqlite:${dbFile}`,
    DATA_DIR: join(dir, 'data'),
    WEB_DIST: join(dir, 'no-web-build'),
    LOG_LEVEL: 'warn',
  });
  // The working directory is the temporary folder, so a developer's .env is not read.
  const child = spawn(tsx, [main], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
    if ((await health(url)) === 200) break;
    if (Date.now() > deadline) throw new Error(`no /health within 30 s:\n${output}`);
    await sleep(100);
  }
  return { child, url, dbFile, output: () => output, exited };
}

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
    onTestFinished(() => {
      socket.removeAllListeners();
      socket.disconnect();
    });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

type Outcome =
  | { text: string; kind: 'ok'; message: ChatMessage }
  | { text: string; kind: 'refused'; code: string }
  | { text: string; kind: 'lost'; reason: string };

describe('SIGTERM on the real server process', () => {
  it('drains: every acknowledged chat message is in the SQLite file, clients are told, new work is refused, exit 0', { timeout: 90_000 }, async () => {
    const server = await startServerProcess();
    const tokens = createTokenService(JWT_SECRET);

    // A few people in one class, and one more connected but not yet joined.
    const people = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, i) => {
        const role = i === 0 ? 'tutor' : 'student';
        const token = await tokens.signJoin({ userId: `user-${i}`, name: `Person ${i}`, role, sessionId: CLASS });
        const socket = await connect(server.url, token);
        const joined = (await socket.timeout(10_000).emitWithAck('join-session', { sessionId: CLASS })) as { ok: boolean };
        expect(joined.ok).toBe(true);
        return { i, socket, told: [] as unknown[] };
      }),
    );
    for (const p of people) p.socket.on('server-restarting', (e: unknown) => p.told.push(e));
    const latecomer = await connect(server.url, await tokens.signJoin({ userId: 'late', name: 'Late', role: 'student', sessionId: CLASS }));

    // What happens after the clients hear that the server is restarting: a join, and /health.
    const duringDrain = new Promise<{ join: unknown; health: number | string }>((resolve) => {
      latecomer.once('server-restarting', () => {
        const join = latecomer
          .timeout(20_000)
          .emitWithAck('join-session', { sessionId: CLASS })
          .then(
            (ack: unknown) => ack,
            (err: Error) => ({ lost: err.message }),
          );
        void Promise.all([join, health(server.url)]).then(([j, h]) => resolve({ join: j, health: h }));
      });
    });

    // The burst: every person sends as fast as it can until its connection goes; acks may take long.
    const outcomes: Outcome[] = [];
    let okCount = 0;
    const bursts = people.map(async ({ i, socket }) => {
      const pending: Promise<void>[] = [];
      for (let n = 0; socket.connected && n < 5000; n++) {
        const text = `person ${i} message ${n}`;
        pending.push(
          socket
            .timeout(30_000)
            .emitWithAck('chat-message', { text })
            .then(
              (ack: { ok: boolean; message?: ChatMessage; error?: { code: string } }) => {
                if (ack.ok && ack.message) {
                  okCount += 1;
                  outcomes.push({ text, kind: 'ok', message: ack.message });
                } else outcomes.push({ text, kind: 'refused', code: ack.error?.code ?? JSON.stringify(ack) });
              },
              (err: Error) => {
                outcomes.push({ text, kind: 'lost', reason: err.message });
              },
            ),
        );
        await sleep(2);
      }
      await Promise.all(pending);
    });

    // SIGTERM mid-burst: once some messages are acknowledged and many more are on their way.
    const burstStarted = Date.now();
    while (okCount < 2 * CLIENTS && Date.now() - burstStarted < 5000) await sleep(5);
    await sleep(100);
    // /health from just before the signal until nothing answers: 200s, then 503s, then a closed port.
    const healthSeen: Array<number | string> = [];
    const poller = (async () => {
      for (;;) {
        const h = await health(server.url);
        healthSeen.push(h);
        if (typeof h === 'string') return;
        await sleep(2);
      }
    })();
    while (healthSeen.length === 0) await sleep(1);
    expect(server.child.kill('SIGTERM')).toBe(true);

    const exit = await Promise.race([server.exited, sleep(30_000).then(() => 'still running' as const)]);
    expect(exit, server.output()).toEqual({ code: 0, signal: null });
    await Promise.all(bursts);

    // After the drain: /health answered 503 or nothing, and the join was refused.
    const drain = await duringDrain;
    expect([503, 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']).toContain(drain.health);
    expect(drain.join, JSON.stringify(drain.join)).not.toMatchObject({ ok: true });
    if ('ok' in (drain.join as object)) {
      expect(drain.join).toEqual({ ok: false, error: { code: 'internal', message: expect.stringMatching(/restarting/i) } });
    }
    // And once it has exited, the port is closed; /health never went back to 200 once it stopped being 200.
    expect(await health(server.url)).toBe('ECONNREFUSED');
    await poller;
    const firstNot200 = healthSeen.findIndex((h) => h !== 200);
    expect(firstNot200, JSON.stringify(healthSeen)).toBeGreaterThan(0);
    for (const h of healthSeen.slice(firstNot200)) expect([503, 'ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']).toContain(h);

    // Everyone was told.
    for (const p of people) expect(p.told, `person ${p.i}`).toEqual([{ reason: expect.any(String) }]);

    // What the clients saw: ok, refused with a contract code, or lost with the connection.
    const ok = outcomes.filter((o): o is Extract<Outcome, { kind: 'ok' }> => o.kind === 'ok');
    const refused = outcomes.filter((o): o is Extract<Outcome, { kind: 'refused' }> => o.kind === 'refused');
    expect(ok.length).toBeGreaterThanOrEqual(2 * CLIENTS);
    // Refusals: the limiter, or the drain ("the server is restarting").
    for (const r of refused) expect(['rate_limited', 'internal'], r.text).toContain(r.code);
    expect(refused.every((r) => (errorCodes as readonly string[]).includes(r.code))).toBe(true);
    expect(refused.some((r) => r.code === 'rate_limited')).toBe(true);

    // The SQLite file holds every acknowledged message, exactly as acknowledged, and none that was refused.
    const database = await openDatabase(`sqlite:${server.dbFile}`);
    try {
      const history = await createSqlChatStore(database.db).history(CLASS, { limit: 100_000 });
      const stored = new Map(history.filter((m) => m.type === 'text').map((m) => [m.text, m]));
      for (const o of ok) expect(stored.get(o.text), o.text).toEqual(o.message);
      for (const r of refused) expect(stored.has(r.text), r.text).toBe(false);
      // Stored but never acknowledged is allowed only for messages whose ack was lost with the connection.
      const lost = new Set(outcomes.filter((o) => o.kind === 'lost').map((o) => o.text));
      const acked = new Set(ok.map((o) => o.text));
      for (const text of stored.keys()) expect(acked.has(text) || lost.has(text), text).toBe(true);
      console.info(
        `sigterm: ${outcomes.length} messages sent: ${ok.length} ok (all stored), ${refused.length} refused, ${lost.size} lost with the connection; ` +
          `${stored.size} text messages in the file; /health during drain: ${drain.health} (polled: ${[...new Set(healthSeen)].join(', ')}); late join: ${JSON.stringify(drain.join)}`,
      );
    } finally {
      await database.close();
    }
  });
});

describe('the drain that SIGTERM runs, held open by a write in flight (in process)', () => {
  it('answers /health 503, refuses joins and new messages with internal, acks the write in flight once stored, then closes', async () => {
    const held = heldChatStore();
    const server = await startTestServer({ chat: held.store });
    const tutor = await joinAs(server, 'tutor', CLASS, { userId: 'tutor' });
    const student = await joinAs(server, 'student', CLASS, { userId: 'student' });
    const latecomer = await server.connect(await server.mint('student', CLASS, 'Late', 'late'));

    held.hold();
    const inFlight = emitAck(student.socket, 'chat-message', { text: 'written during the drain' });
    const write = await held.nextHeld();
    const told = nextEvent(latecomer, 'server-restarting');
    let stopped = false;
    const stopping = server.shutdown().then(() => {
      stopped = true;
    });
    expect(await told).toEqual({ reason: expect.any(String) });

    // Draining: the server is up, but says so and takes no new work.
    const healthNow = await server.app.inject({ method: 'GET', url: '/health' });
    expect(healthNow.statusCode).toBe(503);
    expect(healthNow.json()).toEqual({ status: 'draining' });
    expectFail(await emitAck(latecomer, 'join-session', { sessionId: CLASS }), 'internal');
    expectFail(await emitAck(tutor.socket, 'chat-message', { text: 'too late' }), 'internal');
    expectFail(await emitAck(tutor.socket, 'raise-hand', {}), 'internal');
    expect(stopped).toBe(false);

    // The write in flight finishes: it is acknowledged as stored, and only then does the server stop.
    const message = await write.commit();
    expect(expectOk(await inFlight).message).toEqual(message);
    await stopping;
    expect((await held.inner.history(CLASS)).filter((m) => m.type === 'text').map((m) => m.text)).toEqual(['written during the drain']);
    expect((await server.store.read(CLASS)).participants.map((p) => p.userId).sort()).toEqual(['student', 'tutor']);
  });
});
