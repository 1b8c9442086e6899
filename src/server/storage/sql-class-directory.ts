import type { Kysely, Selectable } from 'kysely';
import { type ClassDirectory, type ClassRecord, newClassId } from '../classes/class-directory';
import { checkLimit } from './limit';
import type { ClassesTable, DatabaseSchema } from './schema';

const columns = ['id', 'title', 'tutor_id', 'tutor_name', 'created_at', 'ended_at', 'large_class'] as const;

const toRecord = (row: Selectable<ClassesTable>): ClassRecord => ({
  id: row.id,
  title: row.title,
  tutorId: row.tutor_id,
  tutorName: row.tutor_name,
  createdAt: row.created_at,
  endedAt: row.ended_at,
  largeClass: Number(row.large_class) === 1,
});

/** The class directory in the database `openDatabase` opened. Each method resolves once committed. */
export function createSqlClassDirectory(
  db: Kysely<DatabaseSchema>,
  now: () => Date = () => new Date(),
): ClassDirectory {
  return {
    async create(input) {
      const record: ClassRecord = {
        id: newClassId(),
        title: input.title,
        tutorId: input.tutorId,
        tutorName: input.tutorName,
        createdAt: now().toISOString(),
        endedAt: null,
        largeClass: input.largeClass ?? false,
      };
      await db
        .insertInto('classes')
        .values({
          id: record.id,
          title: record.title,
          tutor_id: record.tutorId,
          tutor_name: record.tutorName,
          created_at: record.createdAt,
          ended_at: record.endedAt,
          large_class: record.largeClass ? 1 : 0,
        })
        .execute();
      return record;
    },

    async get(id) {
      const row = await db.selectFrom('classes').select(columns).where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },

    async listByTutor(tutorId, limit = 20) {
      const rows = await db
        .selectFrom('classes')
        .select(columns)
        .where('tutor_id', '=', tutorId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(checkLimit(limit))
        .execute();
      return rows.map(toRecord);
    },
  };
}
