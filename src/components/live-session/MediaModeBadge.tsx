import { useClassroom } from '../../client/react/session-context';
import { selectMediaMode } from '../../client/selectors';

/**
 * Says when the class's video goes through the media server. Direct video is the ordinary case
 * and says nothing; the element stays so tests and styles can read the mode either way.
 */
export function MediaModeBadge() {
  const mode = useClassroom(selectMediaMode);
  if (mode === 'direct') return <span data-testid="media-mode" data-mode="direct" hidden />;
  return (
    <span
      data-testid="media-mode"
      data-mode="sfu"
      title="Video goes through the media server, so a large class stays smooth."
      className="rounded-full bg-indigo-700 px-2 py-0.5 text-xs"
    >
      Large-class video
    </span>
  );
}
