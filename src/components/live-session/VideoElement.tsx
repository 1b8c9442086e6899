import { useEffect, useRef } from 'react';

/** A silent <video> bound to a stream; sound is played by RemoteAudio, so autoplay is never blocked. */
export function VideoElement({
  stream,
  testId,
  mirrored = false,
  className = '',
  label,
}: {
  stream: MediaStream;
  testId?: string;
  mirrored?: boolean;
  className?: string;
  label: string;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = stream;
    video.play().catch(() => undefined);
    return () => {
      video.srcObject = null;
    };
  }, [stream]);
  return (
    <video
      ref={ref}
      data-testid={testId}
      aria-label={label}
      autoPlay
      muted
      playsInline
      className={`h-full w-full bg-black object-cover ${mirrored ? '-scale-x-100' : ''} ${className}`}
    />
  );
}
