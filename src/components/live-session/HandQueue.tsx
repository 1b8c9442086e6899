import { useEffect, useState } from 'react';
import { selectHandQueue } from '../../client/selectors';
import { useClassroom, useSession } from '../../client/react/session-context';

function waited(since: number | null, now: number): string {
  if (since === null) return '';
  const s = Math.max(0, Math.floor((now - since) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
}

/** The tutor's list of raised hands, earliest first, with how long each has waited. */
export function HandQueue() {
  const session = useSession();
  const hands = useClassroom(selectHandQueue);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (hands.length === 0) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [hands.length]);

  return (
    <section aria-labelledby="hand-queue-title" className="rounded-xl bg-slate-900 p-3 ring-1 ring-slate-700">
      <h2 id="hand-queue-title" className="mb-2 text-sm font-semibold text-slate-300">
        Raised hands ({hands.length})
      </h2>
      <ol data-testid="hand-queue" aria-live="polite" className="space-y-1">
        {hands.map((p, i) => (
          <li key={p.userId} data-user-id={p.userId} className="flex items-center gap-2 rounded bg-slate-800 px-2 py-1 text-sm">
            <span className="text-slate-400">{i + 1}.</span>
            <span className="flex-1 truncate">{p.name}</span>
            <span className="text-xs text-slate-400" title="waiting for">
              {waited(p.handRaisedAt, now)}
            </span>
            <button
              type="button"
              aria-label={`Give the floor to ${p.name}`}
              onClick={() => void session.giveFloor(p.socketId)}
              className="rounded bg-sky-700 px-2 py-0.5 text-xs hover:bg-sky-600"
            >
              Floor
            </button>
            <button
              type="button"
              aria-label={`Lower hand of ${p.name}`}
              onClick={() => void session.lowerHand(p.socketId)}
              className="rounded bg-slate-700 px-2 py-0.5 text-xs hover:bg-slate-600"
            >
              Lower
            </button>
          </li>
        ))}
      </ol>
      {hands.length === 0 ? <p className="text-xs text-slate-500">No hands raised.</p> : null}
    </section>
  );
}
