import { useEffect, useRef } from 'react';
import { useSession, useStream } from '../../client/react/session-context';

/** Plays one participant's sound; reports when the browser blocks it until a click. */
export function RemoteAudio({ socketId, silenced }: { socketId: string; silenced: boolean }) {
  const stream = useStream(socketId);
  const session = useSession();
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio || !stream) return;
    audio.srcObject = stream;
    audio.play().catch((err: { name?: string }) => {
      if (err?.name === 'NotAllowedError') session.setSoundBlocked(true);
    });
    return () => {
      audio.srcObject = null;
    };
  }, [stream, session]);
  if (!stream) return null;
  return <audio ref={ref} data-remote-audio={socketId} autoPlay muted={silenced} />;
}

/** The click that lets the browser play sound. */
export function enableSound() {
  document.querySelectorAll<HTMLAudioElement>('audio[data-remote-audio]').forEach((a) => {
    a.play().catch(() => undefined);
  });
}
