import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens';
import { TokenError } from '../auth/tokens';
import type { Identity } from '../classroom/identity';

/** The identity behind a request's `Authorization: Bearer <jwt>`; answers 401 itself when there is none. */
export async function bearerIdentity(
  tokens: TokenService,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<Identity | undefined> {
  const header = request.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
  try {
    return await tokens.verifyJoin(token);
  } catch (err) {
    const message = err instanceof TokenError ? err.message : 'not signed in';
    await reply.code(401).send({ error: { code: 'unauthorized', message } });
    return undefined;
  }
}
