import { localStreamKey } from '../../client/media/stream-registry';
import { useClassroom, useStream } from '../../client/react/session-context';
import { VideoElement } from './VideoElement';

/** One's own camera, mirrored; "Camera off" while it is off. */
export function SelfPreview({ className = '' }: { className?: string }) {
  const stream = useStream(localStreamKey);
  const { videoOn, hasCamera } = useClassroom((s) => ({ videoOn: s.media.videoOn, hasCamera: s.media.hasCamera }));
  return (
    <div
      data-testid="self-preview"
      aria-label="Your camera"
      className={`overflow-hidden rounded-xl bg-slate-800 shadow-lg ring-2 ring-slate-600 ${className}`}
    >
      {stream && hasCamera && videoOn ? (
        <VideoElement stream={stream} mirrored label="Your camera" />
      ) : (
        <div className="flex h-full w-full items-center justify-center text-sm text-slate-300">Camera off</div>
      )}
    </div>
  );
}
