import { selectOthers } from '../../client/selectors';
import { useClassroom } from '../../client/react/session-context';
import type { Participant } from '../../protocol';
import { GridPager } from './GridPager';
import { HandQueue } from './HandQueue';
import { ParticipantTile } from './ParticipantTile';
import { SelfPreview } from './SelfPreview';
import { useGridPage } from './useGridPage';
import { useOnScreenTiles } from './useOnScreenTiles';

/** An admin is shown to the class only while they publish something. */
const visibleToClass = (p: Participant) => p.role !== 'admin' || p.isVideoOn || p.isAudioOn;

/**
 * What a tutor sees (students in a grid, a page at a time in a large class, the hand queue,
 * themselves) and what an admin sees (the tutor too, with the same controls).
 */
export function ModeratorView({ showTutor }: { showTutor: boolean }) {
  const people = useClassroom((s) =>
    selectOthers(s).filter((p) => (p.role === 'tutor' ? showTutor : p.role === 'student' || visibleToClass(p))),
  );
  const floorUserId = useClassroom((s) => s.media.controls.floorUserId);
  const speaking = useClassroom((s) => s.participants.speaking);
  const { items, page, pageCount, paged, setPage } = useGridPage(people, floorUserId, speaking);
  useOnScreenTiles(items.map((p) => p.socketId));

  return (
    <div className="flex min-h-0 flex-1 flex-col gap-2 p-2 lg:flex-row">
      {/* The students come first: their grid keeps room for a row of tiles however short the window. */}
      <section aria-label="Participants" className="min-h-40 flex-1 overflow-y-auto">
        {people.length === 0 ? (
          <p className="p-6 text-center text-slate-400">No students have joined yet. Share the invite link.</p>
        ) : null}
        {paged ? <GridPager page={page} pageCount={pageCount} onPage={setPage} /> : null}
        {/* A fourth column only where a tile still has room for its name and the moderator's buttons. */}
        <div className={`grid grid-cols-1 gap-2 sm:grid-cols-2 xl:grid-cols-3 ${paged ? '2xl:grid-cols-4' : ''}`}>
          {items.map((p) => (
            <ParticipantTile key={p.userId} participant={p} canModerate />
          ))}
        </div>
      </section>
      {/* Below the grid on narrower screens: a small self-preview beside the hands, not a full-width one. */}
      <aside className="flex w-full shrink-0 flex-row items-start gap-2 lg:w-72 lg:flex-col">
        <SelfPreview className="aspect-video w-36 shrink-0 sm:w-44 lg:w-full" />
        <div className="min-w-0 flex-1 lg:w-full">
          <HandQueue />
        </div>
      </aside>
    </div>
  );
}
