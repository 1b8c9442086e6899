import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { limits, RoleSchema } from '../../protocol';
import type { Identity } from '../classroom/identity';

const JoinClaims = z.object({
  sub: z.string().min(1).max(limits.idLength),
  name: z.string().min(1).max(limits.nameLength),
  role: RoleSchema,
  sessionId: z.string().min(1).max(limits.idLength),
});

const InviteClaims = z.object({ kind: z.literal('invite'), sessionId: z.string().min(1).max(limits.idLength) });

export type TokenProblem = 'missing' | 'expired' | 'invalid';

/** A token that cannot admit anyone; `problem` says why in terms the page can explain. */
export class TokenError extends Error {
  constructor(readonly problem: TokenProblem) {
    super(
      problem === 'missing'
        ? 'This link has no join token.'
        : problem === 'expired'
          ? 'This class link has expired. Ask your tutor for a new one.'
          : 'This class link is not valid. Ask your tutor for a new one.',
    );
    this.name = 'TokenError';
  }
}

export interface TokenService {
  signJoin(identity: Identity, ttlSeconds?: number): Promise<string>;
  verifyJoin(token: string | undefined | null): Promise<Identity>;
  signInvite(sessionId: string, ttlSeconds?: number): Promise<string>;
  /** The class an invite admits to. */
  verifyInvite(token: string | undefined | null): Promise<string>;
}

const day = 24 * 60 * 60;

export function createTokenService(secret: string): TokenService {
  const key = new TextEncoder().encode(secret);
  const sign = (claims: Record<string, unknown>, subject: string | undefined, ttl: number) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(`${ttl}s`);
    if (subject) jwt.setSubject(subject);
    return jwt.sign(key);
  };
  const verify = async (token: string | undefined | null) => {
    if (!token) throw new TokenError('missing');
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], requiredClaims: ['exp'] });
      return payload;
    } catch (err) {
      throw new TokenError(err instanceof errors.JWTExpired ? 'expired' : 'invalid');
    }
  };
  return {
    signJoin(identity, ttlSeconds = day) {
      return sign({ name: identity.name, role: identity.role, sessionId: identity.sessionId }, identity.userId, ttlSeconds);
    },
    async verifyJoin(token) {
      const claims = JoinClaims.safeParse(await verify(token));
      if (!claims.success) throw new TokenError('invalid');
      const { sub, name, role, sessionId } = claims.data;
      return { userId: sub, name, role, sessionId };
    },
    signInvite(sessionId, ttlSeconds = 7 * day) {
      return sign({ kind: 'invite', sessionId }, undefined, ttlSeconds);
    },
    async verifyInvite(token) {
      const claims = InviteClaims.safeParse(await verify(token));
      if (!claims.success) throw new TokenError('invalid');
      return claims.data.sessionId;
    },
  };
}
