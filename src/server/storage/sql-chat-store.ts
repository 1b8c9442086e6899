import type { Kysely, Selectable } from 'kysely';
import type { ChatMessage } from '../../protocol';
import { type ChatStore, toChatMessage } from '../chat/chat-store';
import { checkLimit } from './limit';
import type { ChatMessagesTable, DatabaseSchema } from './schema';

const columns = [
  'id',
  'session_id',
  'user_id',
  'user_name',
  'role',
  'text',
  'type',
  'created_at',
  'edited_at',
] as const;

const toMessage = (row: Omit<Selectable<ChatMessagesTable>, 'seq'>): ChatMessage => ({
  id: row.id,
  sessionId: row.session_id,
  userId: row.user_id,
  userName: row.user_name,
  role: row.role,
  text: row.text,
  type: row.type,
  createdAt: row.created_at,
  editedAt: row.edited_at,
});

/** Rows one multi-row INSERT may carry (9 parameters each: well under SQLite's and Postgres's limits). */
const maxBatch = 500;

/**
 * How long an announced line (a join's, a leave's: already sent with the event) may wait to be written
 * with others. A class filling up, or a network blip bringing a class back at once, writes its lines
 * in a few commits instead of one each; nothing waits on them, since they went out already.
 * With several server nodes on one database the window is off (0): each node holds its own lines,
 * so a line from one node could be written after a later one from another, out of order.
 */
export const announcedWindowMs = 50;

interface Pending {
  message: ChatMessage;
  /** Someone waits for this write (an ack, a broadcast after commit): written at once. */
  urgent: boolean;
  resolve(message: ChatMessage): void;
  reject(err: unknown): void;
}

const rowOf = (message: ChatMessage) => ({
  id: message.id,
  session_id: message.sessionId,
  user_id: message.userId,
  user_name: message.userName,
  role: message.role,
  text: message.text,
  type: message.type,
  created_at: message.createdAt,
  edited_at: message.editedAt,
});

export interface SqlChatStoreOptions {
  /** The clock for `createdAt` and `editedAt`. */
  now?: () => Date;
  /** How long an announced line may wait for company; 0 writes it at once. */
  windowMs?: number;
}

/**
 * Chat messages in the database `openDatabase` opened. Order is insertion order (`seq`), never the
 * clock, so messages stamped in the same millisecond (or by a clock that stepped back) keep their order.
 * Each method is one statement in autocommit, so it resolves once committed.
 *
 * Appends are group-committed: those that arrive in the same turn of the event loop, or while the
 * previous write is still in flight, go to the database together as one multi-row INSERT (one
 * transaction, one commit), in the order they were called, and each resolves only once that statement
 * committed. Under load this takes a commit (a WAL sync for SQLite, a round trip and a WAL flush for
 * Postgres) per batch instead of per message; a lone message is written at once, as before. If a
 * batch fails, its messages are written one by one, so one bad row fails only itself.
 *
 * An announced line alone waits up to `announcedWindowMs` (or `windowMs`) for company; anything urgent appended
 * meanwhile takes it along, in order. Reads, edits and removals first write what is waiting, so they
 * see the store as if nothing had waited.
 */
export function createSqlChatStore(
  db: Kysely<DatabaseSchema>,
  { now = () => new Date(), windowMs = announcedWindowMs }: SqlChatStoreOptions = {},
): ChatStore {
  let queue: Pending[] = [];
  let writing = false;
  let scheduled = false;
  let windowTimer: ReturnType<typeof setTimeout> | null = null;
  /** The latest append: batches go in order, so once it settles, everything before it has too. */
  let latest: Promise<unknown> = Promise.resolve();

  const insert = (messages: ChatMessage[]) => db.insertInto('chat_messages').values(messages.map(rowOf)).execute();

  async function flush() {
    scheduled = false;
    if (writing || queue.length === 0) return;
    writing = true;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    try {
      await insert(batch.map((p) => p.message));
      for (const p of batch) p.resolve(p.message);
    } catch (err) {
      if (batch.length === 1) batch[0].reject(err);
      else {
        for (const p of batch) {
          try {
            await insert([p.message]);
            p.resolve(p.message);
          } catch (one) {
            p.reject(one);
          }
        }
      }
    } finally {
      writing = false;
      if (queue.length) schedule(queue.some((p) => p.urgent));
    }
  }

  function schedule(urgent: boolean) {
    if (urgent || queue.length >= maxBatch) {
      if (windowTimer) clearTimeout(windowTimer);
      windowTimer = null;
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => void flush());
    } else if (!scheduled && !windowTimer) {
      windowTimer = setTimeout(() => {
        windowTimer = null;
        void flush();
      }, windowMs);
    }
  }

  /** Writes what is waiting, now, and resolves once it (and any write in flight) is done. */
  async function settle(): Promise<void> {
    if (queue.length) schedule(true);
    await latest;
  }

  return {
    append(input, { announced = false } = {}) {
      const message = toChatMessage(input, now);
      const stored = new Promise<ChatMessage>((resolve, reject) => {
        const urgent = !announced || windowMs <= 0;
        queue.push({ message, urgent, resolve, reject });
        schedule(urgent);
      });
      latest = stored.catch(() => undefined);
      return stored;
    },

    flush: settle,

    async history(sessionId, { before, limit = 100 } = {}) {
      await settle();
      let query = db
        .selectFrom('chat_messages')
        .select(columns)
        .where('session_id', '=', sessionId)
        .orderBy('seq', 'desc')
        .limit(checkLimit(limit));
      if (before) {
        // An empty `before` means none (as in the memory store). An id that is not a message of this
        // class gives NULL here, and `seq < NULL` matches nothing: an unknown anchor gives [].
        query = query.where(
          'seq',
          '<',
          db
            .selectFrom('chat_messages as anchor')
            .select('anchor.seq')
            .where('anchor.id', '=', before)
            .where('anchor.session_id', '=', sessionId),
        );
      }
      const rows = await query.execute();
      return rows.reverse().map(toMessage);
    },

    async get(id) {
      await settle();
      const row = await db.selectFrom('chat_messages').select(columns).where('id', '=', id).executeTakeFirst();
      return row && toMessage(row);
    },

    async edit(id, text) {
      await settle();
      const row = await db
        .updateTable('chat_messages')
        .set({ text, edited_at: now().toISOString() })
        .where('id', '=', id)
        .returning(columns)
        .executeTakeFirst();
      if (!row) throw new Error(`no chat message ${id}`);
      return toMessage(row);
    },

    async remove(id) {
      await settle();
      await db.deleteFrom('chat_messages').where('id', '=', id).execute();
    },
  };
}
