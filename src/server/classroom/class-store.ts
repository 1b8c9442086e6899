import { type ClassState, type CommandResult, emptyClass, isForgettable } from './class-state';

/**
 * Where class state lives. A command is a pure function of the state; the store applies it
 * atomically, so a shared store (Redis) can replace this one without touching the rules.
 */
export interface ClassStore {
  read(sessionId: string): Promise<ClassState>;
  apply<T>(sessionId: string, command: (state: ClassState) => CommandResult<T>): Promise<CommandResult<T>>;
  /** Classes with anyone in them. */
  list(): Promise<ClassState[]>;
}

export function createMemoryClassStore(): ClassStore {
  const classes = new Map<string, ClassState>();
  return {
    async read(sessionId) {
      return classes.get(sessionId) ?? emptyClass(sessionId);
    },
    async apply(sessionId, command) {
      const res = command(classes.get(sessionId) ?? emptyClass(sessionId));
      if (isForgettable(res.state)) classes.delete(sessionId);
      else classes.set(sessionId, res.state);
      return res;
    },
    async list() {
      return [...classes.values()].filter((c) => c.participants.length > 0);
    },
  };
}
