import { expect } from 'vitest';
import { ClassroomError } from '../../src/server/classroom/errors';

/** Runs a command that must be refused and returns the ClassroomError it threw. */
export function refused(command: () => unknown): ClassroomError {
  try {
    command();
  } catch (err) {
    expect(err).toBeInstanceOf(ClassroomError);
    return err as ClassroomError;
  }
  throw new Error('the command was accepted but should have been refused');
}
