import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/protocol';
import { type Database, openDatabase } from '../../src/server/storage/database';
import { createSqlChatStore } from '../../src/server/storage/sql-chat-store';
import { defaultRates } from '../../src/server/transport/rate-limiter';
import { emitAck, expectOk, joinAs, startTestServer, type TestServer } from '../helpers/server';
import { bearer, say, systemMessage, textsOf, wholeHistory } from './support';

const CLASS = 'durable-class';
/** The point is what survives, not the limiter: let the scripted clients send as fast as they like. */
const rates = { ...defaultRates, chat: { burst: 1000, perSecond: 1000 } };

async function withServer<T>(url: string, run: (server: TestServer, database: Database) => Promise<T>): Promise<T> {
  const database = await openDatabase(url);
  let server: TestServer | undefined;
  try {
    server = await startTestServer({ chat: createSqlChatStore(database.db), rates });
    return await run(server, database);
  } finally {
    await server?.close();
    await database.close();
  }
}

const text = (messages: ChatMessage[]) => messages.filter((m) => m.type === 'text');

/**
 * Sends messages through a real server on the database at `url` (socket, one after the other and
 * all at once, then HTTP to get past two pages), edits and deletes one, closes the server and the
 * database, opens both again, and checks the history holds every acknowledged message, in order.
 */
async function survivesARestart(url: string) {
  const sequential: ChatMessage[] = [];
  const burst: ChatMessage[] = [];
  const posted: ChatMessage[] = [];
  let notes: ChatMessage[] = [];
  let tutorToken = '';

  await withServer(url, async (server) => {
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    tutorToken = tutor.token;
    const aliceNoted = systemMessage(tutor.socket, 'Alice joined the class');
    const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
    const bobNoted = systemMessage(tutor.socket, 'Bob joined the class');
    const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });
    notes = [await aliceNoted, await bobNoted];

    for (let i = 0; i < 25; i++) sequential.push(await say(alice.socket, `alice ${i} <b>&amp;</b> ✓`));
    // All at once, each acknowledged only once stored.
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => emitAck(bob.socket, 'chat-message', { text: `bob ${i}` })));
    for (const ack of acks) burst.push(expectOk(ack).message);
    for (let i = 0; i < 210; i++) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/chat',
        headers: bearer(tutor.token),
        payload: { sessionId: CLASS, text: `tutor ${i}` },
      });
      expect(res.statusCode).toBe(201);
      posted.push(res.json());
    }
    const edited = expectOk(await emitAck(alice.socket, 'edit-chat-message', { id: sequential[3].id, text: 'alice 3, edited' })).message;
    sequential[3] = edited;
    expectOk(await emitAck(alice.socket, 'delete-chat-message', { id: sequential[4].id }));
    sequential.splice(4, 1);
  });

  await withServer(url, async (server) => {
    const { all, pages } = await wholeHistory(server, tutorToken, CLASS);
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const note of notes) expect(all).toContainEqual(note);
    const texts = text(all);
    expect(texts).toHaveLength(sequential.length + burst.length + posted.length);
    // One after the other: exactly in the order sent.
    expect(texts.slice(0, sequential.length)).toEqual(sequential);
    // Sent all at once: every one of them, whatever order the database committed them in.
    const fromBurst = texts.slice(sequential.length, sequential.length + burst.length);
    expect(new Set(fromBurst.map((m) => m.id))).toEqual(new Set(burst.map((m) => m.id)));
    expect([...fromBurst].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...burst].sort((a, b) => a.id.localeCompare(b.id)));
    expect(texts.slice(sequential.length + burst.length)).toEqual(posted);
    expect(texts[3]).toMatchObject({ text: 'alice 3, edited', editedAt: expect.any(String) });
    expect(textsOf(texts)).not.toContain('alice 4 <b>&amp;</b> ✓');

    // The restarted server carries on after the old messages.
    const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
    const after = await say(tutor.socket, 'after the restart');
    const again = await wholeHistory(server, tutorToken, CLASS);
    expect(text(again.all)).toEqual([...texts, after]);
  });
}

describe('durability across a restart: SQLite file', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'classroom-chat-durable-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every acknowledged message is in the history after the server and the database are reopened', { timeout: 30_000 }, async () => {
    const file = join(dir, 'chat.db');
    await survivesARestart(`sqlite:${file}`);
    expect(existsSync(file)).toBe(true);
  });
});

describe('durability across a restart: PostgreSQL (throwaway database)', () => {
  const adminUrls = process.env.STORAGE_TEST_PG_URL
    ? [process.env.STORAGE_TEST_PG_URL]
    : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];
  let admin: pg.Client | undefined;
  let url = '';
  let name = '';

  beforeAll(async () => {
    const failures: string[] = [];
    for (const candidate of adminUrls) {
      const client = new pg.Client({ connectionString: candidate });
      try {
        await client.connect();
        admin = client;
        name = `classroom_test_${randomBytes(6).toString('hex')}`;
        await client.query(`CREATE DATABASE ${name}`);
        const u = new URL(candidate);
        u.pathname = `/${name}`;
        url = u.toString();
        return;
      } catch (err) {
        failures.push(`${candidate}: ${(err as Error).message}`);
        await client.end().catch(() => undefined);
        admin = undefined;
      }
    }
    throw new Error(`no PostgreSQL to test against (start it, or set STORAGE_TEST_PG_URL):\n${failures.join('\n')}`);
  });

  afterAll(async () => {
    if (!admin) return;
    try {
      if (name) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('every acknowledged message is in the history after the server and the pool are reopened', { timeout: 30_000 }, async () => {
    await survivesARestart(url);
    const { rows } = await admin!.query('select 1 from pg_database where datname = $1', [name]);
    expect(rows).toHaveLength(1);
  });
});
