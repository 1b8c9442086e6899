/**
 * User Timing marks for the steps of entering a class (`classroom:<step>`), so the browser's
 * performance tools, the bench and a QA engineer can see where the first seconds go.
 * The first time a step happens counts; a reconnect does not move it.
 */
export const timingSteps = ['media-asked', 'media-open', 'media-ready', 'socket-connected', 'joined', 'roster', 'first-remote-stream'] as const;
export type TimingStep = (typeof timingSteps)[number];

export const timingPrefix = 'classroom:';

/**
 * The page's marks, by step, in epoch ms. Self-contained (no imports, the prefix passed in), so
 * tests and the bench run it in a page: `page.evaluate(timingMarks, timingPrefix)`.
 */
export const timingMarks = (prefix: string): Record<string, number> => {
  const steps: Record<string, number> = {};
  for (const m of performance.getEntriesByType('mark')) {
    if (m.name.startsWith(prefix)) steps[m.name.slice(prefix.length)] = performance.timeOrigin + m.startTime;
  }
  return steps;
};

export function markTiming(step: TimingStep): void {
  if (typeof performance === 'undefined' || !performance.mark) return;
  const name = timingPrefix + step;
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}
