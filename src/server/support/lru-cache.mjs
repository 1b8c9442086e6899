// Plain JavaScript (types in lru-cache.d.mts): the SQLite thread (storage/sqlite-worker.mjs), which
// starts without the TypeScript loader, keeps its prepared statements in one too.

/**
 * A map that keeps at most `max` entries, dropping the least recently used: for lookups whose
 * answers do not change (a prepared statement, whether a class is a large one) in a server that
 * may meet an unbounded number of keys.
 * @template K, V
 * @param {number} max
 * @returns {import('./lru-cache.d.mts').LruCache<K, V>}
 */
export function createLruCache(max) {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`an LRU cache holds at least one entry (got ${max})`);
  // A Map iterates in insertion order: re-inserting on use keeps the least recently used first.
  /** @type {Map<K, V>} */
  const entries = new Map();
  return {
    get(key) {
      if (!entries.has(key)) return undefined;
      const value = /** @type {V} */ (entries.get(key));
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      entries.delete(key);
      if (entries.size >= max) entries.delete(/** @type {K} */ (entries.keys().next().value));
      entries.set(key, value);
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
