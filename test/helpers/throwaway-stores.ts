import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDatabase } from '../../src/server/storage/database';

/** The local PostgreSQL's admin URLs to try, in order (trust auth, database `test`). */
export const localPostgresUrls = ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

/**
 * A fresh PostgreSQL database named `<prefix>_<random>` on the first admin URL that answers,
 * migrated once here so servers starting together do not race to create the tables. `drop`
 * removes it and nothing else (it may be called more than once). The cluster tests and the bench
 * both use it.
 */
export async function throwawayPostgres({
  adminUrls,
  prefix,
  purpose,
}: {
  adminUrls: string[];
  prefix: string;
  /** Says what needed it, when no PostgreSQL answers. */
  purpose: string;
}): Promise<{ url: string; drop(): Promise<void> }> {
  const failures: string[] = [];
  for (const candidate of adminUrls) {
    const admin = new pg.Client({ connectionString: candidate });
    try {
      await admin.connect();
    } catch (err) {
      failures.push(`${candidate}: ${(err as Error).message}`);
      await admin.end().catch(() => undefined);
      continue;
    }
    const name = `${prefix}_${randomBytes(5).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(candidate);
    url.pathname = `/${name}`;
    const database = await openDatabase(url.toString());
    await database.close();
    let dropped = false;
    return {
      url: url.toString(),
      async drop() {
        if (dropped) return;
        dropped = true;
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await admin.end().catch(() => undefined);
        }
      },
    };
  }
  throw new Error(`no PostgreSQL ${purpose}:\n${failures.join('\n')}`);
}

/** Deletes every key under the prefix on that Redis, and nothing else. */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
