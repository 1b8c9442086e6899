import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every query anew: parsing and planning the same INSERT for every
 * join note and chat message cost more than running it. The statements a classroom runs are few
 * (a multi-row INSERT has one text per batch size), so the most recent ones are kept. Safe because
 * every query runs to completion before the next starts (better-sqlite3 is synchronous and nothing
 * here streams rows).
 */
export function cachingStatements(database: SqliteDatabase, size = 200): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) {
        // Most recently used last: the first key is the one to drop when full.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= size) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
