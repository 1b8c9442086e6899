import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { limits, SessionIdSchema } from '../../protocol';
import type { TokenService } from '../auth/tokens';
import { TokenError } from '../auth/tokens';
import type { ClassDirectory, ClassRecord } from '../classes/class-directory';
import { newUserId } from '../classes/class-directory';
import { admits } from '../classroom/identity';
import { bearerIdentity } from './authenticate';

const Name = z.string().trim().min(1).max(limits.nameLength);
const CreateClassBody = z.object({
  title: z.string().trim().min(1).max(limits.titleLength),
  tutorName: Name,
  /** The tutor expects a large class: it starts on the media server, whatever its size. */
  largeClass: z.boolean().optional(),
});
const JoinWithInviteBody = z.object({ invite: z.string().min(1).max(4096), name: Name });
const ClassParams = z.object({ sessionId: SessionIdSchema });

export interface ClassRoutesDeps {
  classes: ClassDirectory;
  tokens: TokenService;
}

const sessionPath = (id: string, token: string) => `/session/${id}?token=${encodeURIComponent(token)}`;

/** Starting a class from the home page, and joining one from an invite link. */
export async function classRoutes(app: FastifyInstance, { classes, tokens }: ClassRoutesDeps) {
  /** A class with a fresh tutor link and invite link. */
  async function withLinks(record: ClassRecord, tutorName: string) {
    const tutorToken = await tokens.signJoin({ userId: record.tutorId, name: tutorName, role: 'tutor', sessionId: record.id });
    const invite = await tokens.signInvite(record.id);
    return {
      class: record,
      tutorToken,
      tutorLink: sessionPath(record.id, tutorToken),
      inviteLink: `/join/${record.id}?invite=${encodeURIComponent(invite)}`,
    };
  }

  /** The tutor behind an optional bearer token from an earlier class, so their classes stay together. */
  async function returningTutor(authorization: string | undefined) {
    if (!authorization?.startsWith('Bearer ')) return undefined;
    try {
      const identity = await tokens.verifyJoin(authorization.slice('Bearer '.length).trim());
      return identity.role === 'tutor' ? identity : undefined;
    } catch {
      return undefined;
    }
  }

  app.post('/api/classes', async (request, reply) => {
    const body = CreateClassBody.parse(request.body);
    const tutorId = (await returningTutor(request.headers.authorization))?.userId ?? newUserId();
    const record = await classes.create({ title: body.title, tutorId, tutorName: body.tutorName, largeClass: body.largeClass });
    return reply.code(201).send(await withLinks(record, body.tutorName));
  });

  /** A tutor's recent classes, newest first, each with fresh links. */
  app.get('/api/classes/mine', async (request, reply) => {
    const identity = await bearerIdentity(tokens, request, reply);
    if (!identity) return reply;
    if (identity.role !== 'tutor') return reply.code(403).send({ error: { code: 'forbidden', message: 'Only a tutor has classes.' } });
    const records = await classes.listByTutor(identity.userId, 20);
    return { classes: await Promise.all(records.map((r) => withLinks(r, r.tutorName))) };
  });

  /** What an invite link shows before the student types a name. */
  app.get('/api/classes/:sessionId/invite', async (request, reply) => {
    const { sessionId } = ClassParams.parse(request.params);
    const invite = z.object({ invite: z.string().max(4096).optional() }).parse(request.query).invite;
    const admitted = await verifiedInvite(invite, sessionId);
    if (typeof admitted !== 'string') return reply.code(401).send(admitted);
    const record = await classes.get(sessionId);
    return { class: { id: sessionId, title: record?.title ?? 'Class' } };
  });

  app.post('/api/classes/:sessionId/students', async (request, reply) => {
    const { sessionId } = ClassParams.parse(request.params);
    const body = JoinWithInviteBody.parse(request.body);
    const admitted = await verifiedInvite(body.invite, sessionId);
    if (typeof admitted !== 'string') return reply.code(401).send(admitted);
    const token = await tokens.signJoin({ userId: newUserId(), name: body.name, role: 'student', sessionId });
    return reply.code(201).send({ token, link: sessionPath(sessionId, token) });
  });

  /** Who the page's token says it is, and the class it opens; the page checks this before asking for a camera. */
  app.get('/api/session/:sessionId/me', async (request, reply) => {
    const { sessionId } = ClassParams.parse(request.params);
    const identity = await bearerIdentity(tokens, request, reply);
    if (!identity) return reply;
    if (!admits(identity, sessionId)) {
      return reply.code(403).send({ error: { code: 'forbidden', message: 'This link is for another class.' } });
    }
    const record = await classes.get(sessionId);
    return { identity, class: { id: sessionId, title: record?.title ?? 'Class' } };
  });

  async function verifiedInvite(invite: string | undefined, sessionId: string) {
    try {
      if ((await tokens.verifyInvite(invite)) === sessionId) return sessionId;
      return { error: { code: 'unauthorized', message: 'This invite is for another class.' } };
    } catch (err) {
      const message = err instanceof TokenError ? err.message.replace('class link', 'invite') : 'invalid invite';
      return { error: { code: 'unauthorized', message } };
    }
  }
}
