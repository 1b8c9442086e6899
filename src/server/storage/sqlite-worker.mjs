// The SQLite database's own thread (sqlite-worker-dialect.ts starts it): better-sqlite3 is
// synchronous, and on the server's event loop every INSERT of chat and join lines held up the
// sockets. Here it runs one statement at a time, in the order they arrive.
// Plain JavaScript: a worker thread starts without the TypeScript loader, in tests and in
// production alike.
import { once } from 'node:events';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { createLruCache } from '../support/lru-cache.mjs';

/** @type {{ path: string, statementCacheSize: number, checkpointIntervalMs: number }} */
const { path, statementCacheSize, checkpointIntervalMs } = workerData;

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

/** The thread that checkpoints the log (sqlite-checkpointer.mjs), for a database in a file; null once it ended. */
let checkpointer = path === ':memory:' ? null : await startCheckpointer();

async function startCheckpointer() {
  const thread = new Worker(new URL('./sqlite-checkpointer.mjs', import.meta.url), {
    workerData: { path, intervalMs: checkpointIntervalMs },
  });
  /** null once it said it is ready; otherwise why it did not start. */
  const failure = await new Promise((resolve) => {
    const settle = (outcome) => {
      thread.off('message', onMessage);
      thread.off('error', onError);
      thread.off('exit', onExit);
      resolve(outcome);
    };
    const onMessage = (message) => message?.kind === 'ready' && settle(null);
    const onError = (err) => settle(describe(err).message);
    const onExit = (code) => settle(`it ended (exit code ${code})`);
    thread.on('message', onMessage);
    thread.on('error', onError);
    thread.on('exit', onExit);
  });
  if (failure !== null) {
    // Without it this connection checkpoints as SQLite does by default: slower commits now and
    // then, but a log that never stops growing would be worse.
    await thread.terminate();
    parentPort.postMessage({ kind: 'warning', message: `checkpoints stay on the writing thread: ${failure}` });
    return null;
  }
  // Only once the other thread checkpoints: the log must never go unchecked.
  database.pragma('wal_autocheckpoint = 0');
  let lastError = '';
  thread.on('message', (message) => {
    if (message?.kind === 'checkpoint-failed') parentPort.postMessage({ kind: 'warning', message: `a checkpoint failed: ${message.message}` });
  });
  thread.on('error', (err) => (lastError = describe(err).message));
  thread.on('exit', (code) => {
    checkpointer = null;
    if (closing) return;
    database.pragma('wal_autocheckpoint = 1000');
    parentPort.postMessage({ kind: 'warning', message: `the checkpointer stopped (${lastError || `exit code ${code}`}), checkpoints are back on the writing thread` });
  });
  return thread;
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

let closing = false;
parentPort.on('message', async (request) => {
  if (request.kind === 'close') {
    closing = true;
    // The checkpointer closes first, so that this connection is the database's last: closing it
    // copies the rest of the log into the file and removes the log.
    const thread = checkpointer;
    if (thread) {
      const exited = once(thread, 'exit');
      thread.postMessage({ kind: 'close' });
      await exited;
    }
    statements.clear();
    database.close();
    parentPort.close();
    return;
  }
  if (closing) {
    parentPort.postMessage({ kind: 'result', id: request.id, error: { message: 'the SQLite database is closing' } });
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
