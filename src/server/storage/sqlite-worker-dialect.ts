import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** What the worker answers (sqlite-worker.mjs). */
type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'failed'; error: WorkerError }
  | { kind: 'warning'; message: string }
  | { kind: 'result'; id: number; rows: unknown[]; changes?: number | bigint; lastInsertRowid?: number | bigint; error?: WorkerError };

interface WorkerError {
  message: string;
  code?: string;
}

/** A statement SQLite refused, with SQLite's code (`SQLITE_CONSTRAINT_PRIMARYKEY`, …). */
export class SqliteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/**
 * SQLite for Kysely, run on a thread of its own: the same SQL, adapter and introspection as
 * Kysely's own SQLite dialect, but each statement goes to a worker that holds the database, so the
 * server's event loop never waits for SQLite's work.
 */
export interface SqliteWorkerOptions {
  path: string;
  statementCacheSize?: number;
  /** How often the log is copied into a file database, off the writing thread (sqlite-checkpointer.mjs). */
  checkpointIntervalMs?: number;
  /** What the SQLite threads report without failing a statement (a checkpoint that failed, …). */
  onWarning?: (message: string) => void;
}

export class SqliteWorkerDialect implements Dialect {
  constructor(private readonly options: SqliteWorkerOptions) {}

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return new SqliteWorkerDriver(this.options);
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
}

class SqliteWorkerDriver implements Driver {
  private connection: SqliteWorkerConnection | null = null;

  constructor(private readonly options: SqliteWorkerOptions) {}

  async init(): Promise<void> {
    const { path, statementCacheSize = 200, checkpointIntervalMs = 200, onWarning } = this.options;
    const worker = new Worker(new URL('./sqlite-worker.mjs', import.meta.url), {
      workerData: { path, statementCacheSize, checkpointIntervalMs },
    });
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'warning') onWarning?.(reply.message);
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: WorkerReply) => {
        if (reply.kind === 'ready') resolve();
        else if (reply.kind === 'failed') reject(new SqliteError(reply.error.message, reply.error.code));
        else return;
        worker.off('message', onMessage);
        worker.off('error', reject);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    this.connection = new SqliteWorkerConnection(worker);
  }

  // One connection, and Kysely lends it to one query or transaction at a time (SQLite's adapter
  // says it has no other), so a transaction's statements never interleave with others.
  async acquireConnection(): Promise<DatabaseConnection> {
    if (!this.connection) throw new Error('the SQLite database is closed');
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {}

  async destroy(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    await connection?.close();
  }
}

class SqliteWorkerConnection implements DatabaseConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: QueryResult<unknown>): void; reject(err: Error): void }>();

  constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind !== 'result') return;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error) {
        waiting.reject(new SqliteError(reply.error.message, reply.error.code));
        return;
      }
      waiting.resolve({
        rows: reply.rows,
        ...(reply.lastInsertRowid != null ? { insertId: BigInt(reply.lastInsertRowid) } : {}),
        ...(reply.changes != null ? { numAffectedRows: BigInt(reply.changes) } : {}),
      });
    });
    // The thread died (a crash in SQLite's native code): every statement under way fails.
    worker.on('error', (err) => this.closeAll(err));
    worker.on('exit', (code) => this.closeAll(new Error(`the SQLite thread ended (exit code ${code})`)));
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const id = this.nextId++;
    return new Promise<QueryResult<R>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: QueryResult<unknown>) => void, reject });
      this.worker.postMessage({ kind: 'query', id, sql: compiledQuery.sql, parameters: compiledQuery.parameters });
    });
  }

  // Nothing here streams rows.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming rows is not supported by the SQLite worker');
  }

  /** Closes the database and ends the thread; the worker answers what was sent before first. */
  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.postMessage({ kind: 'close' });
    });
  }

  private closeAll(err: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }
}
