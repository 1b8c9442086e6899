import { Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteError, SqliteWorkerDialect } from '../../src/server/storage/sqlite-worker-dialect';

interface Schema {
  lines: { id: string; text: string };
}

const opened: Kysely<Schema>[] = [];
async function open(): Promise<Kysely<Schema>> {
  const db = new Kysely<Schema>({ dialect: new SqliteWorkerDialect({ path: ':memory:' }) });
  opened.push(db);
  await db.schema.createTable('lines').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('text', 'text').execute();
  return db;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

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
});
