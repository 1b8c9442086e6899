import { describe, expect, it } from 'vitest';
import { createLruCache } from '../../src/server/support/lru-cache.mjs';

describe('createLruCache', () => {
  it('keeps at most max entries, dropping the least recently used', () => {
    const cache = createLruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('c', 3); // drops b
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('replacing a value counts as a use and does not grow the cache', () => {
    const cache = createLruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3); // drops b, the least recently used
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBe(10);
    expect(cache.get('b')).toBeUndefined();
  });

  it('holds falsy values, and clears', () => {
    const cache = createLruCache<string, boolean | number>(3);
    cache.set('no', false);
    cache.set('zero', 0);
    expect(cache.get('no')).toBe(false);
    expect(cache.get('zero')).toBe(0);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get('no')).toBeUndefined();
  });

  it('refuses a size that could hold nothing', () => {
    expect(() => createLruCache(0)).toThrow(RangeError);
    expect(() => createLruCache(1.5)).toThrow(RangeError);
  });
});
