import type { Role } from '../../protocol';
import { forbidden } from './errors';

/** Everything a participant may try that touches someone else, or the whole class. */
export type ModerationAction =
  | 'mute-participant'
  | 'mute-all'
  | 'lower-hand-of-other'
  | 'lower-all-hands'
  | 'lock-media'
  | 'ask-unmute'
  | 'give-floor'
  | 'remove-participant'
  | 'delete-chat-message-of-other'
  | 'set-media-mode';

const rank: Record<Role, number> = { student: 0, tutor: 1, admin: 2 };

/** Who may do what: the one table the server consults. */
export const permissionTable: Record<ModerationAction, readonly Role[]> = {
  'mute-participant': ['tutor', 'admin'],
  'mute-all': ['tutor', 'admin'],
  'lower-hand-of-other': ['tutor', 'admin'],
  'lower-all-hands': ['tutor', 'admin'],
  'lock-media': ['tutor', 'admin'],
  'ask-unmute': ['tutor', 'admin'],
  'give-floor': ['tutor', 'admin'],
  'remove-participant': ['tutor', 'admin'],
  'delete-chat-message-of-other': ['tutor', 'admin'],
  'set-media-mode': ['tutor', 'admin'],
};

export function can(actor: Role, action: ModerationAction, target?: Role): boolean {
  if (!permissionTable[action].includes(actor)) return false;
  // An admin outranks a tutor: nobody moderates someone above them.
  return target === undefined || rank[actor] >= rank[target];
}

export function authorize(actor: Role, action: ModerationAction, target?: Role): void {
  if (!can(actor, action, target)) {
    throw forbidden(
      target
        ? `a ${actor} may not ${action.replace(/-/g, ' ')} of a ${target}`
        : `a ${actor} may not ${action.replace(/-/g, ' ')}`,
    );
  }
}
