import { useMemo, useState } from 'react';
import { orderForLargeClass, pageOf } from '../../client/grid-pages';
import type { Participant } from '../../protocol';
import { limits } from '../../protocol/limits';

/**
 * The tiles the moderator's grid shows now. A class that fits on one page keeps join order (tiles
 * jumping around in a small class would only distract); a larger one is ordered so hands and
 * speakers are on page 1, and shown a page at a time.
 */
export function useGridPage(people: Participant[], floorUserId: string | null, speaking: Readonly<Record<string, true>>) {
  const [wanted, setWanted] = useState(0);
  const paged = people.length > limits.tilesPerPage;
  const ordered = useMemo(
    () => (paged ? orderForLargeClass(people, floorUserId, speaking) : people),
    [people, floorUserId, speaking, paged],
  );
  const view = pageOf(ordered, paged ? wanted : 0);
  // The class shrank under the page (or back to one page): remember where we really are, so it
  // growing again later does not jump to a page nobody chose.
  if (view.page !== wanted) setWanted(view.page);
  return { ...view, paged, setPage: setWanted };
}
