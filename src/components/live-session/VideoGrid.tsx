import { useClassroom } from '../../client/react/session-context';
import { StudentView } from './StudentView';
import { ModeratorView } from './TutorView';

/** The role-aware grid: each role sees the class its own way. */
export function VideoGrid() {
  const role = useClassroom((s) => s.participants.self?.role);
  if (!role) return <div role="status" className="flex flex-1 items-center justify-center text-slate-300">Joining the class…</div>;
  if (role === 'student') return <StudentView />;
  return <ModeratorView showTutor={role === 'admin'} />;
}
