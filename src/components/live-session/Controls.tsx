import { selectIsModerator } from '../../client/selectors';
import { useClassroom, useSession } from '../../client/react/session-context';

const base = 'rounded-full px-4 py-2 text-sm font-medium shadow focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400 disabled:opacity-40';

/** The bar at the bottom: microphone, camera, hand, moderation, leave. */
export function Controls() {
  const session = useSession();
  const { audioOn, videoOn, role, handUp, moderator } = useClassroom((s) => ({
    audioOn: s.media.audioOn,
    videoOn: s.media.videoOn,
    role: s.participants.self?.role,
    handUp: s.participants.self?.isHandRaised ?? false,
    moderator: selectIsModerator(s),
  }));

  return (
    <nav aria-label="Class controls" className="flex flex-wrap items-center justify-center gap-2 p-3">
      <button
        type="button"
        onClick={() => void session.setMicrophone(!audioOn)}
        className={`${base} ${audioOn ? 'bg-slate-700 hover:bg-slate-600' : 'bg-red-600 hover:bg-red-500'}`}
      >
        {audioOn ? 'Mute microphone' : 'Unmute microphone'}
      </button>
      <button
        type="button"
        onClick={() => void session.setCamera(!videoOn)}
        className={`${base} ${videoOn ? 'bg-slate-700 hover:bg-slate-600' : 'bg-red-600 hover:bg-red-500'}`}
      >
        {videoOn ? 'Turn camera off' : 'Turn camera on'}
      </button>
      {role === 'student' ? (
        <button
          type="button"
          aria-pressed={handUp}
          onClick={() => void (handUp ? session.lowerHand() : session.raiseHand())}
          className={`${base} ${handUp ? 'bg-amber-400 text-slate-900 hover:bg-amber-300' : 'bg-slate-700 hover:bg-slate-600'}`}
        >
          {handUp ? 'Lower hand' : 'Raise hand'}
        </button>
      ) : null}
      {moderator ? (
        <button type="button" onClick={() => void session.muteAll()} className={`${base} bg-slate-700 hover:bg-slate-600`}>
          Mute all
        </button>
      ) : null}
      <button type="button" onClick={() => void session.leave()} className={`${base} bg-red-700 hover:bg-red-600`}>
        Leave
      </button>
    </nav>
  );
}
