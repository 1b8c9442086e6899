/**
 * The first-frame recorder both browser drivers put in their pages (the class scenarios and the
 * large class): when each remote <video> presents its first frame (requestVideoFrameCallback), the
 * same clock as the media floor's blank pages use.
 */
import type { Page } from '@playwright/test';

/**
 * Runs in every page before its scripts: notes when each remote <video> presents its first frame
 * (`window.__benchFrames[key] = epoch ms`, from requestVideoFrameCallback; key: the tile's user id,
 * `tutor:<id>` for the tutor's stage) and when the page first shows "connected". It only reacts:
 * a MutationObserver finds new <video> elements and the status change, and the bench awaits
 * `__benchWhenFrames(keys)` instead of polling. An earlier version polled every page every 10 ms
 * (and Playwright polled again): with six pages on two cores that load cost the measured class
 * 1–1.8 s (docs/benchmarks.md), which the floor's pages never paid. A page's own preview is not
 * watched: it would ask for a callback every frame for nothing. Each first frame is also announced
 * as a `bench:first-frame` window event (detail: the key), for a page that acts on it.
 * Plain JavaScript in a string: a compiled function could carry helpers the page lacks.
 */
export const recordFirstFrames = `(() => {
  const frames = (window.__benchFrames = {});
  const waiters = new Set();
  const keyOf = (v) => {
    const host = v.closest('[data-user-id]');
    const id = host ? host.getAttribute('data-user-id') : null;
    if (!id) return null;
    return v.getAttribute('data-testid') === 'tutor-video' ? 'tutor:' + id : id;
  };
  const seen = new WeakSet();
  const watch = (v) => {
    if (seen.has(v)) return;
    seen.add(v);
    if (v.closest('[data-testid="self-preview"]')) return;
    const onFrame = (t) => {
      const key = keyOf(v);
      if (key && !(key in frames) && v.videoWidth > 0) {
        frames[key] = performance.timeOrigin + t;
        for (const w of waiters) w();
        window.dispatchEvent(new CustomEvent('bench:first-frame', { detail: key }));
      } else if (!key || !(key in frames)) {
        v.requestVideoFrameCallback(onFrame);
      }
    };
    v.requestVideoFrameCallback(onFrame);
  };
  const scan = () => {
    if (!window.__benchConnected && document.querySelector('[data-testid="connection-status"][data-status="connected"]')) {
      window.__benchConnected = performance.timeOrigin + performance.now();
    }
    for (const v of document.getElementsByTagName('video')) watch(v);
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  window.__benchWhenFrames = (want, timeoutMs) => new Promise((resolve, reject) => {
    const check = () => {
      if (!want.every((k) => k in frames)) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(Math.max(...want.map((k) => frames[k])));
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error('no first frame within ' + timeoutMs + ' ms from ' + want.filter((k) => !(k in frames)).join(', ')));
    }, timeoutMs);
    waiters.add(check);
    check();
  });
})();`;

/**
 * Waits in `page` until it has a first frame for every key (a tile's user id, `tutor:<id>` for the
 * tutor's stage); resolves with the latest of those times, epoch ms.
 */
export function firstFrameAt(page: Page, keys: string[], timeoutMs: number): Promise<number> {
  return page.evaluate(
    ({ want, timeoutMs }) => (window as unknown as { __benchWhenFrames(k: string[], ms: number): Promise<number> }).__benchWhenFrames(want, timeoutMs),
    { want: keys, timeoutMs },
  );
}
