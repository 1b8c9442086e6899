import type { Logger } from 'pino';
import { ZodError } from 'zod';
import type { AckFail } from '../../protocol';
import { TokenError } from '../auth/tokens';
import { ClassroomError } from '../classroom/errors';

/** The one place where failures become wire errors. Anything unexpected is logged and hidden. */
export function toAckFail(err: unknown, log: Logger): AckFail {
  if (err instanceof ClassroomError) return { ok: false, error: { code: err.code, message: err.message } };
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: { code: 'invalid_payload', message: `${where}${issue?.message ?? 'invalid payload'}` } };
  }
  if (err instanceof TokenError) return { ok: false, error: { code: 'unauthorized', message: err.message } };
  log.error({ err }, 'unexpected failure');
  return { ok: false, error: { code: 'internal', message: 'something went wrong on the server' } };
}
