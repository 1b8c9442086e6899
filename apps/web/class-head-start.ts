import { captureOptionsFrom, type LocalMedia, openLocalMedia } from '../../src/client/media/local-media';
import type { Role } from '../../src/protocol';
import { claimedRole } from '../../src/client/token-claims';
import { api } from './api';

/** Who the link's token says we are in which class, as the server checked it. */
export interface Me {
  identity: { userId: string; name: string; role: Role };
  class: { id: string; title: string };
}

/** What a class page needs before it can join, already on its way. */
export interface ClassHeadStart {
  /** The camera and microphone (none for an admin's link, which only watches). */
  media: Promise<LocalMedia> | null;
  me: Promise<Me>;
  config: Promise<{ iceServers: RTCIceServer[] }>;
}

/** A class page's address: `/session/<class id>`. */
export const classPath = /^\/session\/([^/]+)\/?$/;

/** The head start this page made, with the address it was made for: a page that opens something else must not take it. */
let pending: { address: string; start: ClassHeadStart } | null = null;

/**
 * Starts the class page's first steps: the camera (a real one takes a moment to wake) and the two
 * questions the page asks the server. The page calls this itself when the first script did not.
 */
export function startClass(sessionId: string, search: string): ClassHeadStart {
  const token = new URLSearchParams(search).get('token') ?? '';
  const quiet = <T>(p: Promise<T>) => {
    // Whoever takes the head start handles a failure; until then it must not count as unhandled.
    p.catch(() => undefined);
    return p;
  };
  return {
    media: token && claimedRole(token) !== 'admin' ? openLocalMedia(captureOptionsFrom(search)) : null,
    me: quiet(api<Me>(`/api/session/${encodeURIComponent(sessionId)}/me`, { token })),
    config: quiet(api<{ iceServers: RTCIceServer[] }>('/api/config')),
  };
}

/**
 * The head start made for this page's address, once (whoever takes it owns the camera); null when
 * there is none, and the page starts its own.
 */
export function takeHeadStart(sessionId: string, search: string): ClassHeadStart | null {
  const mine = pending?.address === addressOf(sessionId, search) ? pending.start : null;
  pending = null;
  return mine;
}

const addressOf = (sessionId: string, search: string) => `${sessionId}?${new URLSearchParams(search).toString()}`;

/**
 * This module is the page's first script, a small one: the browser runs it as soon as it arrives,
 * while it is still loading and compiling the app's much larger script (on a busy machine, most
 * of a second). A class link starts its camera and its questions to the server here.
 */
const match = classPath.exec(window.location.pathname);
if (match && new URLSearchParams(window.location.search).get('token')) {
  const sessionId = decodeURIComponent(match[1]);
  pending = { address: addressOf(sessionId, window.location.search), start: startClass(sessionId, window.location.search) };
}
