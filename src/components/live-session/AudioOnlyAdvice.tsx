import { useState } from 'react';
import { useClassroom, useSession } from '../../client/react/session-context';
import { selectIsCrowded, selectIsModerator, selectParticipantCount } from '../../client/selectors';

const action = 'rounded-lg bg-sky-600 px-3 py-1 text-sm font-medium hover:bg-sky-500 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-300';
const later = 'rounded-lg px-3 py-1 text-sm text-slate-300 hover:bg-slate-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-300';

/**
 * A large class runs better without every camera: students are offered audio only, the tutor is
 * offered to make it the rule. "Not now" holds until the page is reloaded.
 */
export function AudioOnlyAdvice() {
  const session = useSession();
  const [dismissed, setDismissed] = useState(false);
  const { crowded, count, moderator, cameraOn, camerasLocked } = useClassroom((s) => ({
    crowded: selectIsCrowded(s),
    count: selectParticipantCount(s),
    moderator: selectIsModerator(s),
    cameraOn: s.media.videoOn,
    camerasLocked: s.media.controls.locks.video,
  }));
  if (!crowded || dismissed) return null;
  if (moderator ? camerasLocked : !cameraOn) return null;

  return (
    <div
      role="status"
      data-testid="audio-only-advice"
      className="flex flex-wrap items-center gap-2 border-b border-slate-800 bg-slate-900 px-3 py-2 text-sm"
    >
      <p className="flex-1">
        {moderator
          ? `${count} people are in this class. Ask students to switch cameras off?`
          : 'This class is large: switching your camera off keeps it smooth for everyone.'}
      </p>
      {moderator ? (
        <button type="button" onClick={() => void session.lockMedia('video', true)} className={action}>
          Make audio only the rule
        </button>
      ) : (
        <button type="button" onClick={() => void session.setCamera(false)} className={action}>
          Switch to audio only
        </button>
      )}
      <button type="button" onClick={() => setDismissed(true)} className={later}>
        Not now
      </button>
    </div>
  );
}
