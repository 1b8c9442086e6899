import type { Participant } from '../protocol';
import { limits } from '../protocol/limits';
import type { ClassroomState } from './store';

const byJoin = (a: Participant, b: Participant) => a.joinedAt - b.joinedAt;

export const selectSelf = (s: ClassroomState) => s.participants.self;

/**
 * Everyone else, one entry per person: while a reconnecting participant's new socket replaces the
 * old one, both exist for a moment and the newer wins.
 */
export const selectOthers = (s: ClassroomState) => {
  const newest = new Map<string, Participant>();
  for (const p of Object.values(s.participants.others)) {
    if (p.userId === s.participants.self?.userId) continue;
    const seen = newest.get(p.userId);
    if (!seen || p.joinedAt > seen.joinedAt || (p.joinedAt === seen.joinedAt && p.socketId > seen.socketId)) newest.set(p.userId, p);
  }
  return [...newest.values()].sort(byJoin);
};
export const selectTutor = (s: ClassroomState) => selectOthers(s).find((p) => p.role === 'tutor') ?? null;
export const selectStudents = (s: ClassroomState) => selectOthers(s).filter((p) => p.role === 'student');

/** Raised hands, earliest first, the class's own included. */
export const selectHandQueue = (s: ClassroomState) => {
  const all = [...selectOthers(s), ...(s.participants.self ? [s.participants.self] : [])];
  return all
    .filter((p) => p.isHandRaised)
    .sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0) || byJoin(a, b));
};

export const selectStudentCount = (s: ClassroomState) =>
  selectStudents(s).length + (s.participants.self?.role === 'student' ? 1 : 0);

/** Whether a lock keeps this participant's media off (the same rule the server enforces). */
export const isLocked = (s: ClassroomState, p: Pick<Participant, 'userId' | 'role'>, kind: 'audio' | 'video') => {
  const { locks, floorUserId } = s.media.controls;
  if (p.role !== 'student' || !locks[kind]) return false;
  return !(kind === 'audio' && floorUserId === p.userId);
};

export const selectIsModerator = (s: ClassroomState) =>
  s.participants.self?.role === 'tutor' || s.participants.self?.role === 'admin';

/** Everyone in the class, oneself included: what decides whether the class counts as large. */
export const selectParticipantCount = (s: ClassroomState) => selectOthers(s).length + (s.participants.self ? 1 : 0);

/** How the class's video travels: direct links, or the media server of a large class. */
export const selectMediaMode = (s: ClassroomState) => s.media.controls.media;

/** Past this size students are advised to go audio-only (limits.audioOnlyAdviceAbove). */
export const selectIsCrowded = (s: ClassroomState) => selectParticipantCount(s) > limits.audioOnlyAdviceAbove;
