import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/protocol';
import { ClassroomError } from '../../src/server/classroom/errors';
import { admits, anyClass } from '../../src/server/classroom/identity';
import { authorize, can, type ModerationAction, permissionTable } from '../../src/server/classroom/permissions';

const roles: Role[] = ['student', 'tutor', 'admin'];
const actions: ModerationAction[] = ['mute-participant', 'mute-all', 'lower-hand-of-other'];

describe('permission table', () => {
  it('lets tutors and admins moderate, never students', () => {
    for (const action of actions) expect([...permissionTable[action]].sort()).toEqual(['admin', 'tutor']);
  });

  it.each(actions)('%s: a student is refused whatever the target', (action) => {
    expect(can('student', action)).toBe(false);
    for (const target of roles) expect(can('student', action, target)).toBe(false);
  });

  it.each(actions)('%s: tutors and admins may act on the class as a whole', (action) => {
    expect(can('tutor', action)).toBe(true);
    expect(can('admin', action)).toBe(true);
  });

  it.each(actions)('%s: nobody moderates someone above them', (action) => {
    const expected: Record<Role, Record<Role, boolean>> = {
      student: { student: false, tutor: false, admin: false },
      tutor: { student: true, tutor: true, admin: false },
      admin: { student: true, tutor: true, admin: true },
    };
    for (const actor of roles) {
      for (const target of roles) expect(can(actor, action, target), `${actor} -> ${target}`).toBe(expected[actor][target]);
    }
  });
});

describe('authorize', () => {
  it('passes silently when allowed', () => {
    expect(() => authorize('tutor', 'mute-participant', 'student')).not.toThrow();
    expect(() => authorize('admin', 'mute-participant', 'tutor')).not.toThrow();
    expect(() => authorize('tutor', 'mute-all')).not.toThrow();
  });

  it.each<[Role, ModerationAction, Role | undefined]>([
    ['student', 'mute-participant', 'student'],
    ['student', 'mute-all', undefined],
    ['student', 'lower-hand-of-other', 'student'],
    ['tutor', 'mute-participant', 'admin'],
    ['tutor', 'lower-hand-of-other', 'admin'],
  ])('a %s doing %s (target %s) throws ClassroomError forbidden', (actor, action, target) => {
    let thrown: unknown;
    try {
      authorize(actor, action, target);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ClassroomError);
    expect(thrown).toMatchObject({ code: 'forbidden', message: expect.stringContaining(actor) });
  });
});

describe('admits', () => {
  const identity = (sessionId: string) => ({ userId: 'u', name: 'U', role: 'tutor' as const, sessionId });

  it('a token admits its own class only', () => {
    expect(admits(identity('a'), 'a')).toBe(true);
    expect(admits(identity('a'), 'b')).toBe(false);
    expect(admits(identity('a'), '*')).toBe(false);
  });

  it("an admin token ('*') admits any class", () => {
    expect(anyClass).toBe('*');
    for (const id of ['a', 'b', 'math-101']) expect(admits({ ...identity(anyClass), role: 'admin' }, id)).toBe(true);
  });
});
