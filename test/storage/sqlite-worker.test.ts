import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteError, SqliteWorkerDialect } from '../../src/server/storage/sqlite-worker-dialect';

interface Schema {
  lines: { id: string; text: string };
}

const opened: Kysely<Schema>[] = [];
async function open(path = ':memory:', options: { checkpointIntervalMs?: number; onWarning?: (m: string) => void } = {}): Promise<Kysely<Schema>> {
  const db = new Kysely<Schema>({ dialect: new SqliteWorkerDialect({ path, ...options }) });
  opened.push(db);
  await db.schema.createTable('lines').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('text', 'text').execute();
  return db;
}

const folders: string[] = [];
function freshFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'classroom-sqlite-'));
  folders.push(folder);
  return join(folder, 'chat.sqlite');
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const insertLines = async (db: Kysely<Schema>, from: number, count: number) => {
  for (let i = from; i < from + count; i++) await db.insertInto('lines').values({ id: `line-${i}`, text: 'x'.repeat(200) }).execute();
};

describe('SQLite on its own thread', () => {
  it('runs statements and answers rows, changes and refusals with SQLite’s code', async () => {
    const db = await open();
    const inserted = await db.insertInto('lines').values([{ id: 'a', text: 'one' }, { id: 'b', text: 'two' }]).executeTakeFirst();
    expect(inserted.numInsertedOrUpdatedRows).toBe(2n);
    expect(await db.selectFrom('lines').select(['id', 'text']).orderBy('id').execute()).toEqual([
      { id: 'a', text: 'one' },
      { id: 'b', text: 'two' },
    ]);
    const refused = await db.insertInto('lines').values({ id: 'a', text: 'again' }).execute().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SqliteError);
    expect((refused as SqliteError).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
  });

  it('keeps the event loop free while SQLite works', async () => {
    const db = await open();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    const { rows } = await sql<{ n: number }>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000000) select count(*) as n from c`.execute(db);
    const took = performance.now() - started;
    clearInterval(timer);
    expect(rows).toEqual([{ n: 2_000_000 }]);
    // On the event loop the query would have allowed no tick at all until it finished.
    expect(took).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThan(3);
  });

  it('lets no other statement in while a transaction is open', async () => {
    const db = await open();
    let insertedInside!: () => void;
    const inside = new Promise<void>((resolve) => (insertedInside = resolve));
    const transaction = db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto('lines').values({ id: 'x', text: 'not kept' }).execute();
        insertedInside();
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('changed my mind');
      })
      .catch((err: Error) => err.message);
    await inside;
    // Asked while the transaction holds the connection: answered after its rollback, not inside it.
    const count = await db.selectFrom('lines').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(await transaction).toBe('changed my mind');
    expect(count.n).toBe(0);
  });

  it('finishes the statement under way before closing, then refuses more', async () => {
    const db = await open();
    const underWay = sql<{ n: number }>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 500000) select count(*) as n from c`.execute(db);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closing = db.destroy();
    opened.splice(opened.indexOf(db), 1);
    expect((await underWay).rows).toEqual([{ n: 500_000 }]);
    await closing;
    await expect(db.selectFrom('lines').selectAll().execute()).rejects.toThrow();
  });

  describe('in a file', () => {
    it('leaves checkpoints to another thread: the writer never runs one, yet the log reaches the file', async () => {
      const path = freshFile();
      const warnings: string[] = [];
      const db = await open(path, { checkpointIntervalMs: 50, onWarning: (m) => warnings.push(m) });
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      expect(rows).toEqual([{ wal_autocheckpoint: 0 }]);
      const fileBefore = statSync(path).size;
      await insertLines(db, 0, 300);
      // 300 rows of 200 bytes are about 60 KiB: in the file only once a checkpoint copied them there.
      await expect.poll(() => statSync(path).size, { timeout: 5000 }).toBeGreaterThan(fileBefore + 40_000);
      expect(warnings).toEqual([]);
    });

    it('keeps the log from growing while messages keep coming', async () => {
      const path = freshFile();
      const db = await open(path, { checkpointIntervalMs: 20 });
      // Each commit appends at least a page to the log; unchecked, 3 × 400 commits leave over 4 MiB.
      const sizes: number[] = [];
      for (let round = 0; round < 3; round++) {
        await insertLines(db, round * 400, 400);
        await new Promise((resolve) => setTimeout(resolve, 100));
        sizes.push(statSync(`${path}-wal`).size);
      }
      // Once checkpointed, the writer starts the log over from its beginning instead of extending it.
      expect(sizes[2]).toBeLessThanOrEqual(sizes[0] * 1.5);
    });

    it('closes with every row in the file and no log left', async () => {
      const path = freshFile();
      const db = await open(path, { checkpointIntervalMs: 10_000 });
      await insertLines(db, 0, 50);
      await db.destroy();
      opened.splice(opened.indexOf(db), 1);
      expect(existsSync(`${path}-wal`)).toBe(false);
      const reader = new Sqlite(path, { readonly: true });
      try {
        expect(reader.prepare('select count(*) as n from lines').get()).toEqual({ n: 50 });
      } finally {
        reader.close();
      }
    });
  });
});
