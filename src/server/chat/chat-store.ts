import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../../protocol';

export interface NewChatMessage {
  sessionId: string;
  userId: string;
  userName: string;
  role: ChatMessage['role'];
  text: string;
  type: ChatMessage['type'];
  /** Given when the message was announced before it was stored (a join's line rides on `user-joined`). */
  id?: string;
  createdAt?: string;
}

/** The message a store keeps: the given id and time (an announced line), or new ones. */
export function toChatMessage(input: NewChatMessage, now: () => Date): ChatMessage {
  return {
    id: input.id ?? randomUUID(),
    sessionId: input.sessionId,
    userId: input.userId,
    userName: input.userName,
    role: input.role,
    text: input.text,
    type: input.type,
    createdAt: input.createdAt ?? now().toISOString(),
    editedAt: null,
  };
}

export interface HistoryQuery {
  /** Only messages older than this one (paging back). */
  before?: string;
  /** At most this many, the newest of them; 100 by default. */
  limit?: number;
}

export interface AppendOptions {
  /**
   * The message already went out to the class (a join's or a leave's line rides on the event): the
   * store may hold it back for a moment to write it with others (`announcedWindowMs`). It keeps its
   * place in the order, and every read, edit and removal sees it as if it were written.
   */
  announced?: boolean;
}

/**
 * Where chat messages are kept. Every method resolves only once the change is committed, so the
 * transport can acknowledge a message as stored.
 */
export interface ChatStore {
  append(message: NewChatMessage, options?: AppendOptions): Promise<ChatMessage>;
  /** Resolves once everything appended so far is stored (a shutdown waits for it). */
  flush(): Promise<void>;
  /** Oldest first: the latest `limit` messages before `before` (or the latest of all). */
  history(sessionId: string, query?: HistoryQuery): Promise<ChatMessage[]>;
  get(id: string): Promise<ChatMessage | undefined>;
  edit(id: string, text: string): Promise<ChatMessage>;
  remove(id: string): Promise<void>;
}

/** A chat store in memory, for tests and for running without a database. */
export function createMemoryChatStore(now: () => Date = () => new Date()): ChatStore {
  const messages: ChatMessage[] = [];
  return {
    async append(input) {
      const message = toChatMessage(input, now);
      messages.push(message);
      return message;
    },
    async history(sessionId, { before, limit = 100 } = {}) {
      let inClass = messages.filter((m) => m.sessionId === sessionId);
      if (before) {
        const at = inClass.findIndex((m) => m.id === before);
        inClass = at === -1 ? [] : inClass.slice(0, at);
      }
      return limit <= 0 ? [] : inClass.slice(-limit);
    },
    async get(id) {
      return messages.find((m) => m.id === id);
    },
    async flush() {},
    async edit(id, text) {
      const at = messages.findIndex((m) => m.id === id);
      if (at === -1) throw new Error(`no chat message ${id}`);
      messages[at] = { ...messages[at], text, editedAt: now().toISOString() };
      return messages[at];
    },
    async remove(id) {
      const at = messages.findIndex((m) => m.id === id);
      if (at !== -1) messages.splice(at, 1);
    },
  };
}
