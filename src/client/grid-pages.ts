import type { Participant } from '../protocol';
import { limits } from '../protocol/limits';

/**
 * The order of a large class's tiles on the moderator's grid: who needs the tutor's eye comes
 * first, so page 1 is the page that matters.
 *
 * 0. the tutor, then admins (when shown at all)
 * 1. raised hands, earliest first
 * 2. whoever has the floor
 * 3. whoever the media server hears speaking
 * 4. students with the microphone on (about to speak)
 * 5. everyone else
 *
 * Within a group it is join order, so a participant who changes group moves alone: nobody else's
 * place changes beyond what the rule asks.
 */
export function orderForLargeClass(
  people: readonly Participant[],
  floorUserId: string | null,
  speaking: Readonly<Record<string, true>> = {},
): Participant[] {
  const hands = 2;
  const group = (p: Participant) => {
    if (p.role === 'tutor') return 0;
    if (p.role === 'admin') return 1;
    if (p.isHandRaised) return hands;
    if (p.userId === floorUserId) return 3;
    if (speaking[p.socketId]) return 4;
    if (p.isAudioOn) return 5;
    return 6;
  };
  const keyed = people.map((p) => ({ p, group: group(p) }));
  keyed.sort(
    (a, b) =>
      a.group - b.group ||
      (a.group === hands ? (a.p.handRaisedAt ?? 0) - (b.p.handRaisedAt ?? 0) : 0) ||
      a.p.joinedAt - b.p.joinedAt ||
      // Same millisecond: socket ids still give every screen the same order.
      (a.p.socketId < b.p.socketId ? -1 : a.p.socketId > b.p.socketId ? 1 : 0),
  );
  return keyed.map((k) => k.p);
}

export interface GridPage<T> {
  items: T[];
  /** From 0; clamped, so a class that shrank shows its last page rather than an empty one. */
  page: number;
  /** At least 1: an empty class is one empty page. */
  pageCount: number;
}

/** One page of the ordered tiles. */
export function pageOf<T>(ordered: readonly T[], page: number, perPage: number = limits.tilesPerPage): GridPage<T> {
  const size = Math.max(1, Math.floor(perPage));
  const pageCount = Math.max(1, Math.ceil(ordered.length / size));
  const wanted = Number.isFinite(page) ? Math.floor(page) : 0;
  const clamped = Math.min(Math.max(0, wanted), pageCount - 1);
  return { items: ordered.slice(clamped * size, (clamped + 1) * size), page: clamped, pageCount };
}
