import type { Kysely } from 'kysely';
import type { SqlDialectName } from '../schema';

/** Classes, and the chat messages of every class. */
export const classesAndChat = {
  async up(db: Kysely<any>, dialect: SqlDialectName): Promise<void> {
    await db.schema
      .createTable('classes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('tutor_id', 'text', (c) => c.notNull())
      .addColumn('tutor_name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema
      .createIndex('classes_tutor_created_idx')
      .on('classes')
      .columns(['tutor_id', 'created_at'])
      .execute();

    let chat = db.schema.createTable('chat_messages');
    // `seq` is the insertion order. SQLite: AUTOINCREMENT so a deleted row's number is never reused;
    // Postgres: a bigserial (a sequence never hands a number out twice either).
    chat =
      dialect === 'sqlite'
        ? chat.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        : chat.addColumn('seq', 'bigserial', (c) => c.primaryKey());
    await chat
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('text', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('edited_at', 'text')
      .execute();
    await db.schema
      .createIndex('chat_messages_session_seq_idx')
      .on('chat_messages')
      .columns(['session_id', 'seq'])
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('chat_messages').execute();
    await db.schema.dropTable('classes').execute();
  },
};
