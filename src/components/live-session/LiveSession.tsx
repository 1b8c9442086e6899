import { useEffect } from 'react';
import { isLocked, selectOthers } from '../../client/selectors';
import { useClassroom, useSession } from '../../client/react/session-context';
import type { ConnectionStatus } from '../../client/store';
import { AudioOnlyAdvice } from './AudioOnlyAdvice';
import { ChatDock } from './ChatPanel';
import { Controls } from './Controls';
import { UnmutePrompt } from './UnmutePrompt';
import { MediaModeBadge } from './MediaModeBadge';
import { enableSound, RemoteAudio } from './RemoteAudio';
import { VideoGrid } from './VideoGrid';

const statusText: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/** The class page once the token is known good: status, the grid, sound, controls. */
export function LiveSession({ title }: { title: string }) {
  const session = useSession();
  const { status, notice, deviceProblem, soundBlocked, self } = useClassroom((s) => ({
    status: s.ui.status,
    notice: s.ui.notice,
    deviceProblem: s.media.deviceProblem,
    soundBlocked: s.media.soundBlocked,
    self: s.participants.self,
  }));
  // Receivers enforce the microphone lock: a locked student's sound is not played even if it arrives.
  const audible = useClassroom((s) => selectOthers(s).map((p) => `${isLocked(s, p, 'audio') ? '-' : '+'}${p.socketId}`));
  const announcement = useClassroom((s) => s.ui.announcement);
  // A notice is a toast: it goes by itself.
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(session.dismissNotice, 6000);
    return () => clearTimeout(timer);
  }, [notice, session]);

  return (
    <div className="flex h-dvh flex-col">
      <header className="flex flex-wrap items-center gap-2 border-b border-slate-800 px-3 py-2">
        <h1 className="flex-1 truncate text-base font-semibold">{title}</h1>
        {self ? (
          <span className="text-sm text-slate-400">
            {self.name} · <span className="capitalize">{self.role}</span>
          </span>
        ) : null}
        <MediaModeBadge />
        <span
          data-testid="connection-status"
          data-status={status}
          role="status"
          className={`rounded-full px-2 py-0.5 text-xs ${status === 'connected' ? 'bg-emerald-800' : 'bg-amber-700'}`}
        >
          {statusText[status]}
        </span>
      </header>
      <AudioOnlyAdvice />
      {deviceProblem ? (
        <p role="alert" className="bg-amber-900/60 px-3 py-2 text-sm">
          {deviceProblem}
        </p>
      ) : null}
      {notice ? (
        <div role="alert" className="flex items-center gap-2 bg-sky-900/70 px-3 py-2 text-sm">
          <span className="flex-1">{notice}</span>
          <button type="button" onClick={session.dismissNotice} className="rounded px-2 hover:bg-sky-800" aria-label="Dismiss">
            ✕
          </button>
        </div>
      ) : null}
      {soundBlocked ? (
        <button
          type="button"
          onClick={() => {
            enableSound();
            session.setSoundBlocked(false);
          }}
          className="bg-sky-700 px-3 py-2 text-sm hover:bg-sky-600"
        >
          Turn on sound
        </button>
      ) : null}
      <div className="flex min-h-0 flex-1 flex-col lg:flex-row">
        {/* Below the video, the chat takes at most 40% of the height; when even the rest is short, the video area scrolls rather than hide what does not fit. */}
        <main className="flex min-h-0 flex-1 flex-col overflow-y-auto">
          <VideoGrid />
        </main>
        <ChatDock />
      </div>
      {audible.map((entry) => (
        <RemoteAudio key={entry.slice(1)} socketId={entry.slice(1)} silenced={entry[0] === '-'} />
      ))}
      <UnmutePrompt />
      <p aria-live="assertive" className="sr-only" data-testid="announcer">
        {announcement}
      </p>
      <Controls />
    </div>
  );
}
