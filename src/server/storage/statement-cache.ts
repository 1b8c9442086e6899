import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { createLruCache } from '../support/lru-cache';

/**
 * Kysely's SQLite driver prepares every query anew: parsing and planning the same INSERT for every
 * join note and chat message cost more than running it. The statements a classroom runs are few
 * (a multi-row INSERT has one text per batch size), so the most recent ones are kept. Safe because
 * every query runs to completion before the next starts (better-sqlite3 is synchronous and nothing
 * here streams rows).
 */
export function cachingStatements(database: SqliteDatabase, size = 200): SqliteDatabase {
  const statements = createLruCache<string, SqliteStatement>(size);
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
