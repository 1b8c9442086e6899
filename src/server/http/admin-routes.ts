import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens';
import type { ClassDirectory } from '../classes/class-directory';
import { handQueue } from '../classroom/class-state';
import type { ClassStore } from '../classroom/class-store';
import { anyClass } from '../classroom/identity';
import type { SfuBridge } from '../sfu/sfu-bridge';

export interface AdminRoutesDeps {
  /** The secret that opens the console; the console is off without it. */
  adminToken: string | undefined;
  store: ClassStore;
  classes: ClassDirectory;
  tokens: TokenService;
  /** The media server's side, when there is one (read late: it is made with the socket layer). */
  mediaServer?: () => SfuBridge | undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The admin console's API: live classes, and an admin join token to moderate one of them live. */
export async function adminRoutes(app: FastifyInstance, { adminToken, store, classes, tokens, mediaServer }: AdminRoutesDeps) {
  async function admitted(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (!adminToken) {
      await reply.code(404).send({ error: { code: 'not_found', message: 'The admin console is off (ADMIN_TOKEN is not set).' } });
      return false;
    }
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (!sameSecret(given, adminToken)) {
      await reply.code(401).send({ error: { code: 'unauthorized', message: 'That admin token is not right.' } });
      return false;
    }
    return true;
  }

  app.get('/api/admin/classes', async (request, reply) => {
    if (!(await admitted(request, reply))) return reply;
    const live = await store.list();
    const rows = await Promise.all(
      live.map(async (state) => {
        const record = await classes.get(state.sessionId);
        const tutor = state.participants.find((p) => p.role === 'tutor');
        return {
          id: state.sessionId,
          title: record?.title ?? state.sessionId,
          tutor: tutor?.name ?? record?.tutorName ?? null,
          tutorPresent: !!tutor,
          participants: state.participants.filter((p) => p.role !== 'admin').length,
          raisedHands: handQueue(state).length,
        };
      }),
    );
    return { classes: rows.sort((a, b) => b.participants - a.participants || a.title.localeCompare(b.title)) };
  });

  /** How a class's media travels, and who is on the media server (Janus's own list). */
  app.get<{ Params: { id: string } }>('/api/admin/classes/:id/media', async (request, reply) => {
    if (!(await admitted(request, reply))) return reply;
    const state = await store.read(request.params.id);
    const sfu = mediaServer?.();
    const members = sfu && state.controls.media === 'sfu' ? await sfu.roomMembers(state.sessionId) : [];
    return { mode: state.controls.media, mediaServer: !!sfu, members };
  });

  /** An admin join token (any class), so the console moderates through the same rules as everyone. */
  app.post('/api/admin/session-token', async (request, reply) => {
    if (!(await admitted(request, reply))) return reply;
    const token = await tokens.signJoin({ userId: `admin-console-${randomBytes(6).toString('hex')}`, name: 'Admin', role: 'admin', sessionId: anyClass }, 12 * 60 * 60);
    return { token };
  });
}
