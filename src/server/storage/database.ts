import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import { SqliteWorkerDialect } from './sqlite-worker-dialect';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import type { Logger } from 'pino';
import { migrationProvider } from './migrations';
import type { DatabaseSchema, SqlDialectName } from './schema';

export type { DatabaseSchema, SqlDialectName } from './schema';

export interface Database {
  db: Kysely<DatabaseSchema>;
  dialect: SqlDialectName;
  /** Closes the SQLite file or ends the Postgres pool. Safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  log?: Logger;
}

/** Where `DATABASE_URL` points: a SQLite file (or memory), or a Postgres server. */
export type DatabaseTarget =
  | { dialect: 'sqlite'; path: string }
  | { dialect: 'postgres'; connectionString: string };

/**
 * Reads a `DATABASE_URL`: `sqlite:<path>` (relative to the working directory; `sqlite:///abs/path`
 * and `sqlite://rel/path` also work), `sqlite::memory:`, or `postgres://…` / `postgresql://…`.
 */
export function parseDatabaseUrl(url: string, cwd: string = process.cwd()): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'postgres', connectionString: url };
  if (/^sqlite:/i.test(url)) {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === ':memory:') return { dialect: 'sqlite', path };
    if (!path) throw new Error('DATABASE_URL "sqlite:" needs a file path, e.g. sqlite:./data/classroom.db');
    return { dialect: 'sqlite', path: resolve(cwd, path) };
  }
  throw new Error('DATABASE_URL is sqlite:<path> or postgres://…');
}

/**
 * Opens the database `url` names and brings its schema up to date before resolving. SQLite files
 * (and their folders) are created on first start and run in WAL mode. Call `close()` on shutdown.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const { log } = options;
  const target = parseDatabaseUrl(url);
  const db = target.dialect === 'sqlite' ? openSqlite(target.path, log) : openPostgres(target.connectionString, log);

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= db.destroy());

  try {
    await migrate(db, target.dialect, log);
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  log?.info(
    target.dialect === 'sqlite' ? { dialect: 'sqlite', path: target.path } : { dialect: 'postgres' },
    'database ready',
  );
  return { db, dialect: target.dialect, close };
}

function openSqlite(path: string, log: Logger | undefined): Kysely<DatabaseSchema> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // On a thread of its own (better-sqlite3 is synchronous): WAL mode, synchronous = NORMAL and
  // prepared statements kept, see sqlite-worker.mjs; its log checkpointed on another thread, see
  // sqlite-checkpointer.mjs.
  return new Kysely<DatabaseSchema>({
    dialect: new SqliteWorkerDialect({ path, onWarning: (message) => log?.warn({ dialect: 'sqlite', path }, message) }),
  });
}

function openPostgres(connectionString: string, log: Logger | undefined): Kysely<DatabaseSchema> {
  const pool = new pg.Pool({ connectionString });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would end the process.
  pool.on('error', (err) => log?.error({ err }, 'postgres: an idle connection failed'));
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
}

async function migrate(db: Kysely<DatabaseSchema>, dialect: SqlDialectName, log: Logger | undefined) {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const r of results) {
    if (r.status === 'Success') log?.info({ migration: r.migrationName }, 'database migration applied');
    else if (r.status === 'Error') log?.error({ migration: r.migrationName }, 'database migration failed');
  }
  if (error) {
    throw new Error(`database migration failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
