/** What the watch needs of a MediaStreamTrack (a remote one starts muted and unmutes when its first packets arrive). */
export interface ArrivingTrack {
  readonly muted: boolean;
  addEventListener(type: 'unmute', listener: () => void): void;
  removeEventListener(type: 'unmute', listener: () => void): void;
}

/**
 * Calls `silent` once if none of a received stream's tracks has had a packet within `ms`: a link
 * whose connection came up but whose media never flows (a media server that did not start
 * forwarding) is then renewed instead of showing a black tile for good. Returns a function that
 * stops the watch; it also stops by itself once any track unmutes.
 */
export function watchForSilence(tracks: readonly ArrivingTrack[], ms: number, silent: () => void): () => void {
  if (tracks.some((t) => !t.muted)) return () => undefined;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    for (const t of tracks) t.removeEventListener('unmute', stop);
  };
  for (const t of tracks) t.addEventListener('unmute', stop);
  timer = setTimeout(() => {
    stop();
    silent();
  }, ms);
  return stop;
}
