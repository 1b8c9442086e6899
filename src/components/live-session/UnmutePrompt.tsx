import { useClassroom, useSession } from '../../client/react/session-context';

/** A moderator asked to unmute: the student decides. */
export function UnmutePrompt() {
  const session = useSession();
  const by = useClassroom((s) => s.ui.unmuteRequestBy);
  if (!by) return null;
  return (
    <div role="dialog" aria-modal="false" aria-labelledby="unmute-title" data-testid="unmute-request" className="fixed inset-x-0 top-16 z-30 mx-auto flex w-fit max-w-[90vw] flex-wrap items-center gap-3 rounded-xl bg-slate-800 px-4 py-3 shadow-xl ring-1 ring-sky-500">
      <p id="unmute-title" className="text-sm">
        {by} asks you to unmute.
      </p>
      <button type="button" onClick={() => void session.answerUnmuteRequest(true)} className="rounded-lg bg-sky-600 px-3 py-1 text-sm font-medium hover:bg-sky-500">
        Unmute
      </button>
      <button type="button" onClick={() => void session.answerUnmuteRequest(false)} className="rounded-lg bg-slate-700 px-3 py-1 text-sm hover:bg-slate-600">
        Stay muted
      </button>
    </div>
  );
}
