/**
 * User Timing marks for the steps of entering a class (`classroom:<step>`), so the browser's
 * performance tools, the bench and a QA engineer can see where the first seconds go.
 * The first time a step happens counts; a reconnect does not move it.
 */
export type TimingStep =
  | 'media-asked'
  | 'media-open'
  | 'media-ready'
  | 'socket-connected'
  | 'joined'
  | 'roster'
  | 'first-remote-stream';

export const timingPrefix = 'classroom:';

export function markTiming(step: TimingStep): void {
  if (typeof performance === 'undefined' || !performance.mark) return;
  const name = timingPrefix + step;
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}
