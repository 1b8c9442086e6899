import { selectHandQueue, selectOthers } from '../../client/selectors';
import { useClassroom, useSession } from '../../client/react/session-context';

const button = 'rounded bg-slate-700 px-2 py-1 text-xs hover:bg-slate-600 disabled:opacity-40';

/** One live class in the admin console: who is there, and the moderator's actions on each. */
export function ClassModeration() {
  const session = useSession();
  const people = useClassroom((s) => selectOthers(s).filter((p) => p.role !== 'admin'));
  const hands = useClassroom((s) => selectHandQueue(s).map((p) => p.userId));
  const { status, locks } = useClassroom((s) => ({ status: s.ui.status, locks: s.media.controls.locks }));

  return (
    <section aria-label="Participants" className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <span data-testid="connection-status" data-status={status} className="rounded-full bg-slate-800 px-2 py-0.5 text-xs">
          {status}
        </span>
        <button type="button" className={button} onClick={() => void session.muteAll()}>
          Mute all
        </button>
        <button type="button" className={button} onClick={() => void session.lowerAllHands()}>
          Lower all hands
        </button>
        <button type="button" className={button} onClick={() => void session.lockMedia('audio', !locks.audio)}>
          {locks.audio ? 'Unlock microphones' : 'Lock microphones'}
        </button>
      </div>
      <table className="w-full text-left text-sm">
        <thead className="text-xs text-slate-400">
          <tr>
            <th className="py-1">Name</th>
            <th>Role</th>
            <th>Microphone</th>
            <th>Camera</th>
            <th>Hand</th>
            <th className="sr-only">Actions</th>
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.userId} data-testid="console-participant" data-user-id={p.userId} className="border-t border-slate-800">
              <td className="py-1.5">{p.name}</td>
              <td className="capitalize">{p.role}</td>
              <td>{p.isAudioOn ? 'on' : 'muted'}</td>
              <td>{p.isVideoOn ? 'on' : 'off'}</td>
              <td>{p.isHandRaised ? `raised (#${hands.indexOf(p.userId) + 1})` : '—'}</td>
              <td className="flex flex-wrap gap-1 py-1">
                <button type="button" className={button} aria-label={`Mute ${p.name}`} disabled={!p.isAudioOn} onClick={() => void session.muteParticipant(p.socketId)}>
                  Mute
                </button>
                <button type="button" className={button} aria-label={`Lower hand of ${p.name}`} disabled={!p.isHandRaised} onClick={() => void session.lowerHand(p.socketId)}>
                  Lower hand
                </button>
                <button
                  type="button"
                  className={`${button} hover:bg-red-700`}
                  aria-label={`Remove ${p.name}`}
                  onClick={() => {
                    if (window.confirm(`Remove ${p.name} from the class?`)) void session.removeParticipant(p.socketId);
                  }}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {people.length === 0 ? <p className="text-sm text-slate-400">Nobody is in this class now.</p> : null}
    </section>
  );
}
