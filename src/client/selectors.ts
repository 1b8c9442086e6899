import type { Participant } from '../protocol';
import type { ClassroomState } from './store';

const byJoin = (a: Participant, b: Participant) => a.joinedAt - b.joinedAt;

export const selectSelf = (s: ClassroomState) => s.participants.self;
export const selectOthers = (s: ClassroomState) => Object.values(s.participants.others).sort(byJoin);
export const selectTutor = (s: ClassroomState) =>
  Object.values(s.participants.others).find((p) => p.role === 'tutor') ?? null;
export const selectStudents = (s: ClassroomState) =>
  Object.values(s.participants.others).filter((p) => p.role === 'student').sort(byJoin);

/** Raised hands, earliest first, the class's own included. */
export const selectHandQueue = (s: ClassroomState) => {
  const all = [...Object.values(s.participants.others), ...(s.participants.self ? [s.participants.self] : [])];
  return all
    .filter((p) => p.isHandRaised)
    .sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0) || byJoin(a, b));
};

export const selectStudentCount = (s: ClassroomState) =>
  Object.values(s.participants.others).filter((p) => p.role === 'student').length +
  (s.participants.self?.role === 'student' ? 1 : 0);

export const selectIsModerator = (s: ClassroomState) =>
  s.participants.self?.role === 'tutor' || s.participants.self?.role === 'admin';
