import type { ErrorCode } from '../../protocol';

/** A refusal by the class rules. The transport maps it to a wire error; nothing else is shown to clients. */
export class ClassroomError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ClassroomError';
  }
}

export const forbidden = (message: string) => new ClassroomError('forbidden', message);
export const notInSession = (message = 'you are not in this class') =>
  new ClassroomError('not_in_session', message);
export const notFound = (message: string) => new ClassroomError('not_found', message);
/** Something this server is not set up for (the contract has no closer code than not_found). */
export const unavailable = (message: string) => new ClassroomError('not_found', message);
