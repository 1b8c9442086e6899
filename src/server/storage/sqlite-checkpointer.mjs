// Copies the SQLite write-ahead log back into the database file, on a thread and connection of its
// own (sqlite-worker.mjs starts it for a database in a file). Left to the writing connection, a
// checkpoint (and its fsync) ran inside whichever commit crossed 1,000 pages of log: under a
// steady 500 chat messages/s that was every 0.44 s, and each such commit took 8–20 ms instead of
// well under one, with every message behind it waiting. In WAL mode a checkpoint runs beside the
// writer without blocking it, so here it costs the chat nothing.
// Plain JavaScript, as the writer's thread is.
import { parentPort, workerData } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';

/** @type {{ path: string, intervalMs: number }} */
const { path, intervalMs } = workerData;

const database = new Sqlite(path);
// Never waits on the writer: PASSIVE copies what it can and leaves the rest for the next turn; with
// nothing new in the log it only reads the log's header.
const timer = setInterval(() => {
  try {
    database.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ kind: 'checkpoint-failed', message: err instanceof Error ? err.message : String(err) });
  }
}, intervalMs);

parentPort.on('message', (request) => {
  if (request?.kind !== 'close') return;
  clearInterval(timer);
  database.close();
  parentPort.close();
});

parentPort.postMessage({ kind: 'ready' });
