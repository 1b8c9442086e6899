import { randomBytes } from 'node:crypto';
import { deleteRedisKeys as deleteKeysUnder, localPostgresUrls, throwawayPostgres as throwawayDatabase } from '../../test/helpers/throwaway-stores';

export const benchRedisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** A fresh PostgreSQL database of the bench's own (migrated); `drop` removes it and nothing else. */
export const throwawayPostgres = () =>
  throwawayDatabase({
    adminUrls: process.env.BENCH_PG_URL ? [process.env.BENCH_PG_URL] : localPostgresUrls,
    prefix: 'bench',
    purpose: 'for the bench (BENCH_PG_URL)',
  });

/** A Redis key prefix of this bench run's own. */
export const benchRedisPrefix = () => `bench-${randomBytes(4).toString('hex')}:`;

/** Deletes every key under the prefix, and nothing else. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  if (!prefix.startsWith('bench-')) throw new Error(`refusing to delete keys outside the bench's prefix: ${prefix}`);
  await deleteKeysUnder(benchRedisUrl, prefix);
}
