import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDatabase } from '../../src/server/storage/database';

export const benchRedisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const adminUrls = process.env.BENCH_PG_URL
  ? [process.env.BENCH_PG_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

/** A fresh PostgreSQL database of the bench's own (migrated); `drop` removes it and nothing else. */
export async function throwawayPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
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
    const name = `bench_${randomBytes(5).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(candidate);
    url.pathname = `/${name}`;
    // Migrated once here, so nodes starting together do not race to create the tables.
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
  throw new Error(`no PostgreSQL for the bench (BENCH_PG_URL):\n${failures.join('\n')}`);
}

/** A Redis key prefix of this bench run's own. */
export const benchRedisPrefix = () => `bench-${randomBytes(4).toString('hex')}:`;

/** Deletes every key under the prefix, and nothing else. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  if (!prefix.startsWith('bench-')) throw new Error(`refusing to delete keys outside the bench's prefix: ${prefix}`);
  const redis = new Redis(benchRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
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
