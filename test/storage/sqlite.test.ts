import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Writable } from 'node:stream';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, parseDatabaseUrl } from '../../src/server/storage/database';
import { migrationProvider } from '../../src/server/storage/migrations';
import { announcedWindowMs, createSqlChatStore } from '../../src/server/storage/sql-chat-store';
import { createSqlClassDirectory } from '../../src/server/storage/sql-class-directory';
import { expectFullyMigrated, expectSchema, steppingClock, storageContract } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'classroom-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads a pragma straight from the file, with a connection of its own. */
function pragmaOf(file: string, pragma: string): unknown {
  const raw = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    return raw.pragma(pragma, { simple: true });
  } finally {
    raw.close();
  }
}

describe('SQLite storage (temp file)', () => {
  let database: Database;
  const file = join(dir, 'contract', 'classroom.db');
  beforeAll(async () => {
    database = await openDatabase(`sqlite:${file}`);
  });
  afterAll(() => database?.close());

  storageContract(() => ({
    classes: () => createSqlClassDirectory(database.db),
    chat: (now) => createSqlChatStore(database.db, { now }),
  }));

  it('has the tables, columns and indexes of the migrations', async () => {
    expect(database.dialect).toBe('sqlite');
    await expectSchema(database);
    await expectFullyMigrated(database);
    const raw = new Sqlite(file, { readonly: true });
    try {
      const indexes = raw
        .prepare("select name, tbl_name from sqlite_master where type = 'index' and name not like 'sqlite_%'")
        .all();
      expect(indexes).toEqual(
        expect.arrayContaining([
          { name: 'classes_tutor_created_idx', tbl_name: 'classes' },
          { name: 'chat_messages_session_seq_idx', tbl_name: 'chat_messages' },
        ]),
      );
    } finally {
      raw.close();
    }
  });
});

describe('announced lines are written together', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase(`sqlite:${join(dir, 'announced', 'classroom.db')}`);
  });
  afterAll(() => database?.close());

  /** How many rows of this class are in the file (read past the store, so nothing is flushed first). */
  const rowsOf = async (sessionId: string) =>
    (await database.db.selectFrom('chat_messages').select('id').where('session_id', '=', sessionId).execute()).length;
  const line = (sessionId: string, text: string) => ({ sessionId, userId: 'u', userName: 'Ada', role: 'student' as const, text, type: 'system' as const });

  it('an announced line waits for company (up to announcedWindowMs), then all go in one write', async () => {
    const chat = createSqlChatStore(database.db);
    const sessionId = 'class-window';
    const started = performance.now();
    const writes = [chat.append(line(sessionId, 'Ada joined the class'), { announced: true })];
    await new Promise((r) => setImmediate(r));
    expect(await rowsOf(sessionId)).toBe(0);
    writes.push(chat.append(line(sessionId, 'Ben joined the class'), { announced: true }));
    await Promise.all(writes);
    expect(performance.now() - started).toBeGreaterThanOrEqual(announcedWindowMs - 5);
    expect(await rowsOf(sessionId)).toBe(2);
  });

  it('with the window off (several nodes on one database), an announced line is written at once', async () => {
    const chat = createSqlChatStore(database.db, { windowMs: 0 });
    const sessionId = 'class-no-window';
    const started = performance.now();
    await chat.append(line(sessionId, 'Ada joined the class'), { announced: true });
    expect(performance.now() - started).toBeLessThan(announcedWindowMs);
    expect(await rowsOf(sessionId)).toBe(1);
  });

  it('a message someone waits for is written at once and takes the waiting lines along, in order', async () => {
    const chat = createSqlChatStore(database.db);
    const sessionId = 'class-urgent';
    const joined = chat.append(line(sessionId, 'Ada joined the class'), { announced: true });
    const started = performance.now();
    await chat.append({ ...line(sessionId, 'hello'), type: 'text' });
    expect(performance.now() - started).toBeLessThan(announcedWindowMs);
    await joined;
    const rows = await database.db.selectFrom('chat_messages').select('text').where('session_id', '=', sessionId).orderBy('seq').execute();
    expect(rows.map((r) => r.text)).toEqual(['Ada joined the class', 'hello']);
  });
});

describe('SQLite files', () => {
  it('creates the file and its folders on first start, in WAL mode', async () => {
    const file = join(dir, 'fresh', 'a', 'b', 'classroom.db');
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
    const database = await openDatabase(`sqlite:${file}`);
    try {
      expect(existsSync(file)).toBe(true);
      await createSqlClassDirectory(database.db).create({ title: 'WAL', tutorId: 't', tutorName: 'T' });
      expect(existsSync(`${file}-wal`)).toBe(true);
    } finally {
      await database.close();
    }
    expect(pragmaOf(file, 'journal_mode')).toBe('wal');
  });

  it('reads a path relative to the working directory', async () => {
    const file = join(dir, 'relative', 'classroom.db');
    expect(parseDatabaseUrl('sqlite:./data/x.db', '/srv/app')).toEqual({ dialect: 'sqlite', path: '/srv/app/data/x.db' });
    expect(parseDatabaseUrl('sqlite:data/x.db', '/srv/app')).toEqual({ dialect: 'sqlite', path: '/srv/app/data/x.db' });
    expect(parseDatabaseUrl('sqlite:///var/x.db', '/srv/app')).toEqual({ dialect: 'sqlite', path: '/var/x.db' });
    const database = await openDatabase(`sqlite:${relative(process.cwd(), file)}`);
    await database.close();
    expect(existsSync(file)).toBe(true);
  });

  it('keeps classes and messages across closing and reopening the file', async () => {
    const url = `sqlite:${join(dir, 'reopen', 'classroom.db')}`;
    const first = await openDatabase(url);
    const clock = steppingClock();
    const created = await createSqlClassDirectory(first.db).create({ title: 'Kept', tutorId: 'tutor-k', tutorName: 'K' });
    const chat = createSqlChatStore(first.db, { now: clock });
    const a = await chat.append({ sessionId: created.id, userId: 'u', userName: 'U', role: 'student', text: '<b>one</b>', type: 'text' });
    const b = await chat.append({ sessionId: created.id, userId: 'u', userName: 'U', role: 'tutor', text: 'two', type: 'system' });
    const bEdited = await chat.edit(b.id, 'two, edited');
    await first.close();
    await first.close(); // closing twice is harmless

    const second = await openDatabase(url);
    try {
      expect(await createSqlClassDirectory(second.db).get(created.id)).toEqual(created);
      expect(await createSqlClassDirectory(second.db).listByTutor('tutor-k')).toEqual([created]);
      const again = createSqlChatStore(second.db, { now: clock });
      expect(await again.history(created.id)).toEqual([a, bEdited]);
      // numbering carries on after the reopen: a new message comes after the old ones
      const c = await again.append({ sessionId: created.id, userId: 'u', userName: 'U', role: 'student', text: 'three', type: 'text' });
      expect(await again.history(created.id)).toEqual([a, bEdited, c]);
      expect(await again.history(created.id, { before: c.id })).toEqual([a, bEdited]);
    } finally {
      await second.close();
    }
  });

  it('runs migrations once: opening the same file again changes nothing', async () => {
    const url = `sqlite:${join(dir, 'twice', 'classroom.db')}`;
    const first = await openDatabase(url);
    await expectFullyMigrated(first);
    await first.close();
    const second = await openDatabase(url);
    try {
      await expectFullyMigrated(second);
      await expectSchema(second);
    } finally {
      await second.close();
    }
  });

  it('upgrades a database of the first migration: its classes are not large ones', async () => {
    const path = join(dir, 'upgraded', 'classroom.db');
    mkdirSync(dirname(path), { recursive: true });
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Sqlite(path) }) });
    const migrated = await new Migrator({ db: old, provider: migrationProvider('sqlite') }).migrateTo('0001_classes_and_chat');
    expect(migrated.error).toBeUndefined();
    await old
      .insertInto('classes')
      .values({ id: 'before-upgrade', title: 'Old class', tutor_id: 't', tutor_name: 'Ada', created_at: new Date().toISOString(), ended_at: null })
      .execute();
    await old.destroy();

    const database = await openDatabase(`sqlite:${path}`);
    try {
      const classes = createSqlClassDirectory(database.db);
      expect(await classes.get('before-upgrade')).toMatchObject({ title: 'Old class', largeClass: false });
      expect((await classes.create({ title: 'New', tutorId: 't', tutorName: 'Ada', largeClass: true })).largeClass).toBe(true);
    } finally {
      await database.close();
    }
  });

  it('logs the migrations it applies to the given logger, and only the first time', async () => {
    const lines: Array<{ msg: string; migration?: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const log = pino({ level: 'info' }, sink);
    const url = `sqlite:${join(dir, 'logged', 'classroom.db')}`;
    await (await openDatabase(url, { log })).close();
    expect(lines.filter((l) => l.msg === 'database migration applied').map((l) => l.migration)).toEqual([
      '0001_classes_and_chat',
      '0002_large_classes',
    ]);
    lines.length = 0;
    await (await openDatabase(url, { log })).close();
    expect(lines.filter((l) => l.msg === 'database migration applied')).toEqual([]);
    expect(lines.some((l) => l.msg === 'database ready')).toBe(true);
  });

  it('opens sqlite::memory: for tests', async () => {
    const database = await openDatabase('sqlite::memory:');
    try {
      expect(database.dialect).toBe('sqlite');
      await expectSchema(database);
      const chat = createSqlChatStore(database.db);
      const m = await chat.append({ sessionId: 's', userId: 'u', userName: 'U', role: 'student', text: 'hi', type: 'text' });
      expect(await chat.history('s')).toEqual([m]);
    } finally {
      await database.close();
    }
  });

  it('refuses a DATABASE_URL it does not know', async () => {
    await expect(openDatabase('mysql://localhost/x')).rejects.toThrow(/DATABASE_URL/);
    await expect(openDatabase('sqlite:')).rejects.toThrow(/DATABASE_URL/);
  });
});
