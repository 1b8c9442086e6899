import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import type { SqlDialectName } from '../schema';
import { classesAndChat } from './0001_classes_and_chat';
import { largeClasses } from './0002_large_classes';

/** A migration that may need to know which engine it runs on. */
export interface VersionedMigration {
  up(db: Kysely<any>, dialect: SqlDialectName): Promise<void>;
  down?(db: Kysely<any>, dialect: SqlDialectName): Promise<void>;
}

/**
 * Every migration, by name; names sort in the order they run. Listed here rather than read from the
 * folder so it works the same under tsx, vitest and a bundle. Add new ones at the end, never rename
 * or edit one that has shipped.
 */
export const migrations: Readonly<Record<string, VersionedMigration>> = {
  '0001_classes_and_chat': classesAndChat,
  '0002_large_classes': largeClasses,
};

/** Kysely's provider over the list above, bound to one engine. */
export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  return {
    async getMigrations() {
      const bound: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(migrations)) {
        const down = m.down;
        bound[name] = {
          up: (db) => m.up(db, dialect),
          ...(down ? { down: (db: Kysely<any>) => down(db, dialect) } : {}),
        };
      }
      return bound;
    },
  };
}
