import type { Participant } from '../../protocol';
import { useClassroom, useSession, useStream } from '../../client/react/session-context';
import { isLocked } from '../../client/selectors';
import { CameraOffIcon, HandIndicator, LinkBadge, MicOffIcon } from './indicators';
import { VideoElement } from './VideoElement';

/** One remote participant: their video, who they are, their state, and the moderator's controls. */
export function ParticipantTile({
  participant,
  canModerate,
  className = '',
}: {
  participant: Participant;
  canModerate: boolean;
  className?: string;
}) {
  const session = useSession();
  const stream = useStream(participant.socketId);
  const { link, videoLocked, hasFloor, speaking } = useClassroom((s) => ({
    link: s.participants.links[participant.socketId],
    speaking: !!s.participants.speaking[participant.socketId],
    videoLocked: isLocked(s, participant, 'video'),
    hasFloor: s.media.controls.floorUserId === participant.userId,
  }));
  const { name, role, isAudioOn, isHandRaised, socketId, presence } = participant;
  // Receivers enforce a camera lock too: a modified client that keeps sending is not shown.
  const isVideoOn = participant.isVideoOn && !videoLocked;
  const moderated = canModerate && role !== 'admin';

  return (
    <figure
      data-testid="participant-tile"
      data-user-id={participant.userId}
      data-role={role}
      data-socket-id={socketId}
      data-speaking={speaking ? 'true' : undefined}
      aria-label={`${name}, ${role}${speaking ? ', speaking' : ''}`}
      className={`relative aspect-video overflow-hidden rounded-xl bg-slate-800 ${speaking ? 'ring-2 ring-emerald-400' : 'ring-1 ring-slate-700'} ${className}`}
    >
      {stream ? <VideoElement stream={stream} label={`Video of ${name}`} className={isVideoOn ? '' : 'invisible'} /> : null}
      {!stream || !isVideoOn ? (
        <div className="absolute inset-0 flex items-center justify-center text-3xl font-semibold text-slate-400">
          {name.slice(0, 1).toUpperCase()}
        </div>
      ) : null}
      <figcaption className="absolute inset-x-0 bottom-0 flex flex-wrap items-center gap-1 bg-gradient-to-t from-black/80 to-transparent p-2 text-sm">
        <span className="truncate font-medium">{name}</span>
        <span className="rounded bg-slate-600/80 px-1.5 py-0.5 text-xs capitalize">{role}</span>
        {!isAudioOn ? <MicOffIcon /> : null}
        {!isVideoOn ? <CameraOffIcon /> : null}
        {isHandRaised ? <HandIndicator /> : null}
        {hasFloor ? <span className="rounded bg-sky-600 px-1.5 py-0.5 text-xs">has the floor</span> : null}
        {presence === 'reconnecting' ? <LinkBadge state="reconnecting" /> : link ? <LinkBadge state={link} /> : null}
      </figcaption>
      <div className="absolute right-2 top-2 flex gap-1">
        {link === 'failed' ? (
          <button type="button" onClick={() => session.retryLink(socketId)} className="rounded bg-slate-900/80 px-2 py-1 text-xs hover:bg-slate-700">
            Retry
          </button>
        ) : null}
        {moderated && !isAudioOn ? (
          <button
            type="button"
            aria-label={`Ask ${name} to unmute`}
            onClick={() => void session.askUnmute(socketId)}
            className="rounded bg-slate-900/80 px-2 py-1 text-xs hover:bg-sky-700"
          >
            Ask to unmute
          </button>
        ) : null}
        {moderated ? (
          <button
            type="button"
            aria-label={`Remove ${name}`}
            onClick={() => {
              if (window.confirm(`Remove ${name} from the class? They will not be able to come back with this link.`)) {
                void session.removeParticipant(socketId);
              }
            }}
            className="rounded bg-slate-900/80 px-2 py-1 text-xs hover:bg-red-700"
          >
            Remove
          </button>
        ) : null}
        {moderated ? (
          <button
            type="button"
            aria-label={`Mute ${name}`}
            disabled={!isAudioOn}
            onClick={() => void session.muteParticipant(socketId)}
            className="rounded bg-slate-900/80 px-2 py-1 text-xs hover:bg-red-700 disabled:opacity-40"
          >
            Mute
          </button>
        ) : null}
      </div>
    </figure>
  );
}
