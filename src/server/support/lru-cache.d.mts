/** Types for lru-cache.mjs. */

export interface LruCache<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  readonly size: number;
  clear(): void;
}

/** A map that keeps at most `max` entries, dropping the least recently used. */
export declare function createLruCache<K, V>(max: number): LruCache<K, V>;
