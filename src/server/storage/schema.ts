import type { Generated } from 'kysely';
import type { ChatMessage, Role } from '../../protocol';

/** Which SQL engine a database runs on; migrations branch on it where the two differ. */
export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * The tables as Kysely sees them. Timestamps are ISO 8601 text (`Date#toISOString()`, always the
 * same width), so they come back as the same strings from both engines and sort as text.
 */
export interface DatabaseSchema {
  classes: ClassesTable;
  chat_messages: ChatMessagesTable;
}

export interface ClassesTable {
  id: string;
  title: string;
  tutor_id: string;
  tutor_name: string;
  created_at: string;
  ended_at: string | null;
  /** 1: the tutor expects a large class, so it starts on the media server. */
  large_class: Generated<number>;
}

export interface ChatMessagesTable {
  /**
   * Insertion order: the primary key, used only inside queries for ordering and paging. Postgres
   * hands a bigserial back as a string, SQLite as a number; nothing outside SQL should read it.
   */
  seq: Generated<number | string>;
  id: string;
  session_id: string;
  user_id: string;
  user_name: string;
  role: Role;
  text: string;
  type: ChatMessage['type'];
  created_at: string;
  edited_at: string | null;
}
