import { useLayoutEffect, useState } from 'react';
import { captureOptionsFrom, type LocalMedia, stopStream } from '../../../src/client/media/local-media';
import { SessionProvider, useClassroom } from '../../../src/client/react/session-context';
import { SessionClient } from '../../../src/client/session-client';
import { LiveSession } from '../../../src/components/live-session/LiveSession';
import { ApiError } from '../api';
import { startClass, takeHeadStart } from '../class-head-start';
import { MessagePage } from './MessagePage';

type Phase = { kind: 'checking' } | { kind: 'refused'; message: string } | { kind: 'ready'; client: SessionClient; title: string };

/** Checks the link's token, then runs one SessionClient for as long as the page shows the class. */
export function ClassPage({ sessionId, search }: { sessionId: string; search: string }) {
  const token = new URLSearchParams(search).get('token') ?? '';
  const [phase, setPhase] = useState<Phase>({ kind: 'checking' });

  // A layout effect, not a passive one: the camera and the link check start before the first paint,
  // which a busy machine can hold back for a good part of a second. Usually they started even
  // earlier, with the page's first script (class-head-start.ts).
  useLayoutEffect(() => {
    let client: SessionClient | null = null;
    let cancelled = false;
    const capture = captureOptionsFrom(search);
    const head = takeHeadStart(sessionId, search) ?? (token ? startClass(sessionId, search) : null);
    // The camera takes a moment to open: it opens while the server checks the link (an admin's
    // link publishes nothing). Until a client owns it, this page stops it on the way out.
    let media: Promise<LocalMedia> | null = head?.media ?? null;
    const dropMedia = () => {
      void media?.then((m) => stopStream(m.stream));
      media = null;
    };
    (async () => {
      if (!head) throw new ApiError(401, 'unauthorized', 'This link has no join token. Ask your tutor for the class link.');
      const [me, { iceServers }] = await Promise.all([head.me, head.config]);
      if (cancelled) return;
      client = new SessionClient({ sessionId, token, role: me.identity.role, iceServers, capture, media: media ?? undefined });
      media = null;
      setPhase({ kind: 'ready', client, title: me.class.title });
      await client.start();
    })().catch((err) => {
      dropMedia();
      if (!cancelled) setPhase({ kind: 'refused', message: err instanceof ApiError ? err.message : 'The class could not be opened.' });
    });
    return () => {
      cancelled = true;
      dropMedia();
      client?.stop();
    };
  }, [sessionId, token, search]);

  if (phase.kind === 'checking') return <MessagePage title="Opening the class…" message="Checking your link." />;
  if (phase.kind === 'refused') return <MessagePage testId="session-error" title="Can't join this class" message={phase.message} />;
  return (
    <SessionProvider client={phase.client}>
      <ClassOrEnding title={phase.title} />
    </SessionProvider>
  );
}

function ClassOrEnding({ title }: { title: string }) {
  const ending = useClassroom((s) => s.ui.ending);
  if (!ending) return <LiveSession title={title} />;
  if (ending.kind === 'refused') return <MessagePage testId="session-error" title="Can't join this class" message={ending.message} />;
  if (ending.kind === 'removed') return <MessagePage testId="session-removed" title="You were removed from this class" message={ending.message} />;
  const message = ending.kind === 'left' ? 'You left the class.' : ending.message;
  return (
    <MessagePage testId="session-ended" title={ending.kind === 'left' ? 'You left the class' : 'This class is open elsewhere'} message={message}>
      <button type="button" onClick={() => window.location.reload()} className="rounded-lg bg-sky-600 px-4 py-2 font-medium hover:bg-sky-500">
        Rejoin
      </button>
    </MessagePage>
  );
}
