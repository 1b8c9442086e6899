import { describe, expect, it } from 'vitest';
import { classmateDialDelayMs, dialDelayMs, dialsFirst, isStar, shouldLink, studentMeshLimit } from '../../src/protocol/topology';

const tutor = { socketId: 't', role: 'tutor' as const, joinedAt: 1 };
const admin = { socketId: 'a', role: 'admin' as const, joinedAt: 2 };
const amy = { socketId: 's1', role: 'student' as const, joinedAt: 3 };
const bob = { socketId: 's2', role: 'student' as const, joinedAt: 4 };

describe('who links to whom', () => {
  it('links everyone to the tutor and admins, classmates only up to the mesh limit', () => {
    expect(shouldLink(amy, tutor, 10)).toBe(true);
    expect(shouldLink(amy, admin, 10)).toBe(true);
    expect(shouldLink(amy, bob, studentMeshLimit)).toBe(true);
    expect(shouldLink(amy, bob, studentMeshLimit + 1)).toBe(false);
    expect(shouldLink(amy, amy, 1)).toBe(false);
    expect(isStar(studentMeshLimit)).toBe(false);
    expect(isStar(studentMeshLimit + 1)).toBe(true);
  });

  it('lets exactly one end dial: the later joiner, ties broken by socket id', () => {
    expect(dialsFirst(bob, amy)).toBe(true);
    expect(dialsFirst(amy, bob)).toBe(false);
    const twin = { ...bob, socketId: 's0' };
    expect(dialsFirst(bob, twin)).not.toBe(dialsFirst(twin, bob));
  });

  it('dials the tutor and admins at once, classmates after the roster has had a moment to settle', () => {
    expect(dialDelayMs(amy, tutor)).toBe(0);
    expect(dialDelayMs(tutor, amy)).toBe(0);
    expect(dialDelayMs(admin, bob)).toBe(0);
    expect(dialDelayMs(bob, amy)).toBe(classmateDialDelayMs);
    expect(classmateDialDelayMs).toBeGreaterThan(0);
    expect(classmateDialDelayMs).toBeLessThan(1000);
  });
});
