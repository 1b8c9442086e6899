import { selectStudentCount, selectStudents, selectTutor } from '../../client/selectors';
import { useClassroom, useStream } from '../../client/react/session-context';
import { isStar } from '../../protocol/topology';
import { CameraOffIcon, LinkBadge, MicOffIcon } from './indicators';
import { ParticipantTile } from './ParticipantTile';
import { SelfPreview } from './SelfPreview';
import { VideoElement } from './VideoElement';

/** What a student sees: the tutor full-screen, classmates in small classes, and themselves. */
export function StudentView() {
  const tutor = useClassroom(selectTutor);
  const classmates = useClassroom(selectStudents);
  // Classmates are seen only over direct links in a small class; through the media server a student receives the tutor.
  const small = useClassroom((s) => s.media.controls.media === 'direct' && !isStar(selectStudentCount(s)));

  return (
    <div className="relative flex min-h-0 flex-1 flex-col gap-2 p-2">
      <div className="relative min-h-[160px] flex-1 overflow-hidden rounded-xl bg-slate-900">
        {tutor ? <TutorStage socketId={tutor.socketId} /> : <WaitingForTutor />}
      </div>
      {small && classmates.length > 0 ? (
        <section aria-label="Classmates" className="flex gap-2 overflow-x-auto pb-1 pr-0 sm:pr-48">
          {classmates.map((p) => (
            <ParticipantTile key={p.userId} participant={p} canModerate={false} className="w-36 shrink-0 sm:w-48" />
          ))}
        </section>
      ) : null}
      <SelfPreview className="absolute bottom-3 right-3 z-10 aspect-video w-28 sm:w-44" />
    </div>
  );
}

function WaitingForTutor() {
  return (
    <div data-testid="waiting-for-tutor" role="status" className="flex h-full items-center justify-center p-6 text-center text-lg text-slate-300">
      Waiting for the tutor…
    </div>
  );
}

function TutorStage({ socketId }: { socketId: string }) {
  const stream = useStream(socketId);
  const { tutor, link } = useClassroom((s) => ({ tutor: s.participants.others[socketId], link: s.participants.links[socketId] }));
  if (!tutor) return null;
  return (
    <div className="absolute inset-0" data-user-id={tutor.userId}>
      {stream ? (
        <VideoElement stream={stream} testId="tutor-video" label={`Video of ${tutor.name}, tutor`} className="object-contain" />
      ) : (
        <div className="flex h-full items-center justify-center text-slate-300">Connecting to {tutor.name}…</div>
      )}
      {stream && !tutor.isVideoOn ? (
        <div className="absolute inset-0 flex items-center justify-center bg-slate-900 text-slate-300">{tutor.name} turned the camera off</div>
      ) : null}
      <div className="absolute left-3 top-3 flex items-center gap-1 rounded bg-black/60 px-2 py-1 text-sm">
        <span className="font-medium">{tutor.name}</span>
        <span className="rounded bg-slate-600/80 px-1.5 py-0.5 text-xs">Tutor</span>
        {!tutor.isAudioOn ? <MicOffIcon /> : null}
        {!tutor.isVideoOn ? <CameraOffIcon /> : null}
        {link ? <LinkBadge state={link} /> : null}
      </div>
    </div>
  );
}
