import { createLruCache } from '../support/lru-cache.mjs';
import type { ClassDirectory } from './class-directory';

/**
 * Whether a class was created as a large one. Every join asks, and the answer never changes once a
 * class exists, so each class is read once (the `max` most recently joined are kept). A class the directory
 * does not know (a link an integrator minted) is not a large one.
 */
export function largeClassLookup(classes: ClassDirectory, max = 10_000): (sessionId: string) => Promise<boolean> {
  const known = createLruCache<string, boolean>(max);
  return async (sessionId) => {
    const cached = known.get(sessionId);
    if (cached !== undefined) return cached;
    const large = (await classes.get(sessionId))?.largeClass ?? false;
    known.set(sessionId, large);
    return large;
  };
}
