/** A query's row limit: a whole number, 0 or more (0 gives nothing). Anything else is a caller bug. */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a whole number >= 0, got ${limit}`);
  return limit;
}
