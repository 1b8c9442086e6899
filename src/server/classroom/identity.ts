import type { Role } from '../../protocol';

/** Who a socket or request is, as proven by its verified join token. */
export interface Identity {
  userId: string;
  name: string;
  role: Role;
  /** The class the token admits to; "*" for an admin token. */
  sessionId: string;
}

export const anyClass = '*';

export function admits(identity: Identity, sessionId: string): boolean {
  return identity.sessionId === anyClass || identity.sessionId === sessionId;
}
