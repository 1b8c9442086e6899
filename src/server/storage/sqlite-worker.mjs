// The SQLite database's own thread (sqlite-worker-dialect.ts starts it): better-sqlite3 is
// synchronous, and on the server's event loop every INSERT of chat and join lines held up the
// sockets. Here it runs one statement at a time, in the order they arrive.
// Plain JavaScript: a worker thread starts without the TypeScript loader, in tests and in
// production alike.
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { createLruCache } from '../support/lru-cache.mjs';

/** @type {{ path: string, statementCacheSize: number }} */
const { path, statementCacheSize } = workerData;

/** @type {import('better-sqlite3').Database} */
let database;
try {
  database = new Sqlite(path);
  // WAL: readers do not block the writer and vice versa. Persistent in the file once set.
  if (path !== ':memory:') database.pragma('journal_mode = WAL');
  // NORMAL in WAL mode syncs at checkpoints only (FULL waited for an fsync at every commit, which
  // made the slowest joins several times slower than the rest): a commit survives the process
  // dying, and only a power cut can lose the last moments of chat.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
} catch (err) {
  parentPort.postMessage({ kind: 'failed', error: describe(err) });
  process.exit(1);
}

// Kysely sends the same few query texts again and again (a multi-row INSERT has one text per
// batch size); parsing and planning them anew cost more than running them: the most recently used
// are kept.
/** @type {import('../support/lru-cache.d.mts').LruCache<string, import('better-sqlite3').Statement>} */
const statements = createLruCache(statementCacheSize);
function prepare(sql) {
  let statement = statements.get(sql);
  if (!statement) {
    statement = database.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

function describe(err) {
  return { message: err instanceof Error ? err.message : String(err), code: err?.code };
}

parentPort.on('message', (request) => {
  if (request.kind === 'close') {
    statements.clear();
    database.close();
    parentPort.close();
    return;
  }
  const { id, sql, parameters } = request;
  try {
    const statement = prepare(sql);
    if (statement.reader) {
      parentPort.postMessage({ kind: 'result', id, rows: statement.all(parameters) });
    } else {
      const { changes, lastInsertRowid } = statement.run(parameters);
      parentPort.postMessage({ kind: 'result', id, rows: [], changes, lastInsertRowid });
    }
  } catch (err) {
    parentPort.postMessage({ kind: 'result', id, error: describe(err) });
  }
});

parentPort.postMessage({ kind: 'ready' });
