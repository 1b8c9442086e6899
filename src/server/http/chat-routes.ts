import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ChatMessageIdSchema, ChatTextSchema, SessionIdSchema } from '../../protocol';
import type { TokenService } from '../auth/tokens';
import type { ChatService } from '../chat/chat-service';
import { admits } from '../classroom/identity';
import { type Bucket, createRateLimiter, defaultRates, type RateKind } from '../transport/rate-limiter';
import { bearerIdentity } from './authenticate';

const HistoryParams = z.object({ sessionId: SessionIdSchema });
const HistoryQuery = z.object({ before: ChatMessageIdSchema.optional() });
const PostBody = z.object({ sessionId: SessionIdSchema, text: ChatTextSchema });

const forbiddenClass = { error: { code: 'forbidden', message: 'This token is for another class.' } };

/** The chat over HTTP: the same service, and so the same rules, as the socket. */
export async function chatRoutes(
  app: FastifyInstance,
  { chat, tokens, rates = defaultRates }: { chat: ChatService; tokens: TokenService; rates?: Record<RateKind, Bucket> },
) {
  // The same chat limit as a socket, per user: a script with a token cannot flood the class over HTTP.
  const limiters = new Map<string, ReturnType<typeof createRateLimiter>>();
  const allowed = (userId: string) => {
    let limiter = limiters.get(userId);
    if (!limiter) {
      if (limiters.size > 10_000) limiters.clear();
      limiter = createRateLimiter(rates);
      limiters.set(userId, limiter);
    }
    return limiter.take('chat');
  };

  app.get('/api/chat/session/:sessionId', async (request, reply) => {
    const identity = await bearerIdentity(tokens, request, reply);
    if (!identity) return reply;
    const { sessionId } = HistoryParams.parse(request.params);
    const { before } = HistoryQuery.parse(request.query);
    if (!admits(identity, sessionId)) return reply.code(403).send(forbiddenClass);
    return { messages: await chat.history(sessionId, { before }) };
  });

  app.post('/api/chat', async (request, reply) => {
    const identity = await bearerIdentity(tokens, request, reply);
    if (!identity) return reply;
    const { sessionId, text } = PostBody.parse(request.body);
    if (!admits(identity, sessionId)) return reply.code(403).send(forbiddenClass);
    if (!allowed(identity.userId)) {
      return reply.code(429).send({ error: { code: 'rate_limited', message: 'too many messages, slow down' } });
    }
    return reply.code(201).send(await chat.post(identity, sessionId, text));
  });
}
