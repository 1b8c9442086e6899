import type { Participant } from './schemas';

/** Students see each other directly only in small classes; past this, everyone connects to the tutor. */
export const studentMeshLimit = 4;

/** Past the mesh: students link to the tutor only (a star), and send it the large-class video size. */
export const isStar = (studentCount: number) => studentCount > studentMeshLimit;

type Linkable = Pick<Participant, 'socketId' | 'role' | 'joinedAt'>;

/**
 * Whether two participants hold a direct media link. Both ends compute it from the same roster,
 * so they agree without asking each other.
 */
export function shouldLink(a: Linkable, b: Linkable, studentCount: number): boolean {
  if (a.socketId === b.socketId) return false;
  if (a.role !== 'student' || b.role !== 'student') return true;
  return !isStar(studentCount);
}

/**
 * How long a dialler waits before opening a link. Classmates wait for the class's students to stay
 * the same for a moment: when a class starts, students arrive together, and a link between two of
 * the first four is torn down as soon as a fifth makes the class a star. Each student who arrives
 * starts the wait again, so a class arriving over a second or two still builds no link it drops.
 * Links with the tutor or an admin, which every class keeps, open at once.
 */
export const classmateDialDelayMs = 400;

/** The longest a classmate link waits for the students to settle: a class that keeps changing still links. */
export const classmateDialMaxWaitMs = 2000;

/**
 * Once the students have settled, a classmate link also waits for this page's link to the tutor to
 * be up, at most this long: the tutor's video is what a student came for, and a page still opening
 * that link on a slow machine should not share its CPU with classmates' videos. When a class
 * starts, students arriving over several seconds would otherwise link to each other, then drop
 * those links as the fifth arrives and the class becomes a star.
 */
export const classmateAfterTutorMaxWaitMs = 3000;

export function dialDelayMs(a: Linkable, b: Linkable): number {
  return a.role === 'student' && b.role === 'student' ? classmateDialDelayMs : 0;
}

/** The later joiner dials (ties broken by socket id), so exactly one end creates the offer. */
export function dialsFirst(self: Linkable, other: Linkable): boolean {
  if (self.joinedAt !== other.joinedAt) return self.joinedAt > other.joinedAt;
  return self.socketId > other.socketId;
}
