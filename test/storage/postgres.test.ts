import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/server/storage/database';
import { createSqlChatStore } from '../../src/server/storage/sql-chat-store';
import { createSqlClassDirectory } from '../../src/server/storage/sql-class-directory';
import { expectFullyMigrated, expectSchema, steppingClock, storageContract } from './contract';

/**
 * Each run makes its own databases on the local server and drops them afterwards.
 * `STORAGE_TEST_PG_URL` points at another server's admin database; by default the local `test`
 * database as `postgres`, else as `root`.
 */
const adminUrls = process.env.STORAGE_TEST_PG_URL
  ? [process.env.STORAGE_TEST_PG_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

let admin: pg.Client;
let adminUrl: URL;
const created: string[] = [];

async function connectAdmin() {
  const failures: string[] = [];
  for (const url of adminUrls) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return { client, url: new URL(url) };
    } catch (err) {
      failures.push(`${url}: ${(err as Error).message}`);
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`no PostgreSQL to test against (start it, or set STORAGE_TEST_PG_URL):\n${failures.join('\n')}`);
}

/** A new, empty database; returns its URL with the given scheme. */
async function throwawayDatabase(scheme: 'postgres' | 'postgresql' = 'postgres'): Promise<string> {
  const name = `classroom_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString().replace(/^postgres(ql)?:/, `${scheme}:`);
}

beforeAll(async () => {
  ({ client: admin, url: adminUrl } = await connectAdmin());
});

afterAll(async () => {
  if (!admin) return;
  try {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe('PostgreSQL storage (throwaway database)', () => {
  let database: Database;
  let url: string;
  beforeAll(async () => {
    url = await throwawayDatabase();
    database = await openDatabase(url);
  });
  afterAll(() => database?.close());

  storageContract(() => ({
    classes: () => createSqlClassDirectory(database.db),
    chat: (now) => createSqlChatStore(database.db, { now }),
  }));

  it('has the tables, columns and indexes of the migrations', async () => {
    expect(database.dialect).toBe('postgres');
    await expectSchema(database);
    await expectFullyMigrated(database);
    const { rows } = await sql<{ indexname: string; tablename: string }>`
      select indexname, tablename from pg_indexes where schemaname = 'public'`.execute(database.db);
    expect(rows).toEqual(
      expect.arrayContaining([
        { indexname: 'classes_tutor_created_idx', tablename: 'classes' },
        { indexname: 'chat_messages_session_seq_idx', tablename: 'chat_messages' },
      ]),
    );
  });

  it('opens a postgresql:// URL too; migrations run once and data is kept across reopening', async () => {
    const clock = steppingClock();
    const cls = await createSqlClassDirectory(database.db).create({ title: 'Kept', tutorId: 'tutor-pg', tutorName: 'P' });
    const m = await createSqlChatStore(database.db, { now: clock }).append({
      sessionId: cls.id,
      userId: 'u',
      userName: 'U',
      role: 'student',
      text: '<script>1</script>',
      type: 'text',
    });
    const other = await openDatabase(url.replace(/^postgres:/, 'postgresql:'));
    try {
      await expectFullyMigrated(other);
      expect(await createSqlClassDirectory(other.db).get(cls.id)).toEqual(cls);
      expect(await createSqlChatStore(other.db).history(cls.id)).toEqual([m]);
    } finally {
      await other.close();
      await other.close(); // closing twice is harmless
    }
  });
});

describe('PostgreSQL migrations', () => {
  it('run once when several servers start on a new database at the same moment', async () => {
    const url = await throwawayDatabase('postgresql');
    const opened = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    try {
      for (const database of opened) await expectFullyMigrated(database);
      await expectSchema(opened[0]);
    } finally {
      await Promise.all(opened.map((d) => d.close()));
    }
    const again = await openDatabase(url);
    try {
      await expectFullyMigrated(again);
    } finally {
      await again.close();
    }
  });

  it('reports a server it cannot reach, and leaves nothing open', async () => {
    await expect(openDatabase('postgres://nobody@127.0.0.1:1/none')).rejects.toThrow();
  });
});
