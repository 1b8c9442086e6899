import { isLocked, selectIsModerator, selectMediaMode } from '../../client/selectors';
import { useClassroom, useSession } from '../../client/react/session-context';

const base = 'rounded-full px-4 py-2 text-sm font-medium shadow focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-400 disabled:cursor-not-allowed disabled:opacity-40';
const plain = `${base} bg-slate-700 hover:bg-slate-600`;

/** The bar at the bottom: microphone, camera, hand, moderation, leave. */
export function Controls() {
  const session = useSession();
  const { audioOn, videoOn, role, handUp, moderator, micLocked, cameraLocked, locks, floorUserId, mediaMode } = useClassroom((s) => ({
    audioOn: s.media.audioOn,
    videoOn: s.media.videoOn,
    role: s.participants.self?.role,
    handUp: s.participants.self?.isHandRaised ?? false,
    moderator: selectIsModerator(s),
    micLocked: !!s.participants.self && isLocked(s, s.participants.self, 'audio'),
    cameraLocked: !!s.participants.self && isLocked(s, s.participants.self, 'video'),
    locks: s.media.controls.locks,
    floorUserId: s.media.controls.floorUserId,
    mediaMode: selectMediaMode(s),
  }));

  return (
    <nav aria-label="Class controls" className="flex flex-wrap items-center justify-center gap-2 p-3">
      <button
        type="button"
        disabled={!audioOn && micLocked}
        aria-describedby={micLocked ? 'mic-locked-reason' : undefined}
        onClick={() => void session.setMicrophone(!audioOn)}
        className={`${base} ${audioOn ? 'bg-slate-700 hover:bg-slate-600' : 'bg-red-600 hover:bg-red-500'}`}
      >
        {audioOn ? 'Mute microphone' : 'Unmute microphone'}
      </button>
      <button
        type="button"
        disabled={!videoOn && cameraLocked}
        aria-describedby={cameraLocked ? 'camera-locked-reason' : undefined}
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
        <>
          <button type="button" onClick={() => void session.muteAll()} className={plain}>
            Mute all
          </button>
          <button type="button" onClick={() => void session.lockMedia('audio', !locks.audio)} aria-pressed={locks.audio} className={plain}>
            {locks.audio ? 'Unlock microphones' : 'Lock microphones'}
          </button>
          <button type="button" onClick={() => void session.lockMedia('video', !locks.video)} aria-pressed={locks.video} className={plain}>
            {locks.video ? 'Unlock cameras' : 'Lock cameras'}
          </button>
          <button type="button" onClick={() => void session.lowerAllHands()} className={plain}>
            Lower all hands
          </button>
          {floorUserId ? (
            <button type="button" onClick={() => void session.takeFloorBack()} className={`${base} bg-amber-600 hover:bg-amber-500`}>
              Take the floor back
            </button>
          ) : null}
          {/* A tutor expecting a large class moves it before it grows; there is no way back until it empties. */}
          {mediaMode === 'direct' ? (
            <button
              type="button"
              onClick={() => void session.useMediaServer()}
              title="Send video through the media server, for a large class. It stays so until everyone has left."
              className={plain}
            >
              Use large-class video
            </button>
          ) : null}
        </>
      ) : null}
      <button type="button" onClick={() => void session.leave()} className={`${base} bg-red-700 hover:bg-red-600`}>
        Leave
      </button>
      {micLocked ? (
        <p id="mic-locked-reason" data-testid="mic-locked" className="basis-full text-center text-xs text-amber-300">
          Microphones are locked by the tutor.
        </p>
      ) : null}
      {cameraLocked ? (
        <p id="camera-locked-reason" data-testid="camera-locked" className="basis-full text-center text-xs text-amber-300">
          Cameras are locked by the tutor.
        </p>
      ) : null}
    </nav>
  );
}
