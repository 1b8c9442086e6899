import type { Kysely } from 'kysely';

/**
 * A class the tutor expects to be large starts on the media server, whatever its size. Existing
 * classes are not: 0. An integer, not a boolean, so both engines store and return the same thing.
 */
export const largeClasses = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable('classes')
      .addColumn('large_class', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('classes').dropColumn('large_class').execute();
  },
};
