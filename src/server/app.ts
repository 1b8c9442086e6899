import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { ZodError } from 'zod';
import { limits } from '../protocol';
import type { TokenService } from './auth/tokens';
import { createChatService } from './chat/chat-service';
import type { ChatStore } from './chat/chat-store';
import type { ClassDirectory } from './classes/class-directory';
import { largeClassLookup } from './classes/large-classes';
import type { CommandResult } from './classroom/class-state';
import type { ClassStore } from './classroom/class-store';
import { adminRoutes } from './http/admin-routes';
import { chatRoutes } from './http/chat-routes';
import { classRoutes } from './http/class-routes';
import type { JanusClient } from './sfu/janus-api';
import type { Bucket, RateKind } from './transport/rate-limiter';
import { attachSocketClassroom, classRoom, type ClassroomServer, type ReconnectGrace } from './transport/socket-classroom';

export interface AppOptions {
  logger: Logger;
  tokens: TokenService;
  store: ClassStore;
  classes: ClassDirectory;
  chat: ChatStore;
  /** Opens the admin console; unset, the console is off. */
  adminToken?: string;
  iceServers: unknown[];
  corsOrigins?: string[];
  /** The built web app; not served when absent (tests of the API alone). */
  webDist?: string;
  now?: () => number;
  /** Per-socket rate limits by event kind (the defaults suit people, not load tests). */
  rates?: Record<RateKind, Bucket>;
  grace?: ReconnectGrace;
  /** The media server for large classes (JANUS_URL); unset, classes keep direct links. */
  janus?: JanusClient;
  /** Students beyond this many move a class to the media server. */
  sfuThreshold?: number;
  /** Adjusts Socket.IO before anything is attached (a cluster installs its Redis adapter here). */
  configureIo?: (io: ClassroomServer) => void;
}

export interface ClassroomApp {
  app: FastifyInstance;
  io: ClassroomServer;
  /** A graceful stop: refuse new work, tell clients, finish what is in flight, close. */
  shutdown(): Promise<void>;
  /** Emits a command result's events and evictions, as the socket handlers do (a cluster's reaper uses it). */
  deliver(res: CommandResult<unknown>): void;
}

/** Builds the whole server from its parts; the composition root and the tests both call this. */
export async function buildApp(options: AppOptions): Promise<ClassroomApp> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Request lines would carry ?token= from class links; errors are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    // A class id may be 128 characters; Fastify's default cap on a path parameter (100) answered
    // 414 for valid ids. Longer ones are still refused by the router (414).
    routerOptions: { maxParamLength: limits.idLength },
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:', 'mediastream:'],
        // Socket.IO's websocket is same-origin; 'self' covers ws(s) to this host.
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // Cameras and microphones are this page's own business.
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cors, { origin: options.corsOrigins?.length ? options.corsOrigins : false });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof ZodError) {
      const issue = err.issues[0];
      return reply.code(400).send({
        error: { code: 'invalid_payload', message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` },
      });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: { code: 'invalid_payload', message: (err as Error).message } });
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'something went wrong on the server' } });
  });

  let draining = false;
  app.get('/health', async (_request, reply) =>
    draining ? reply.code(503).send({ status: 'draining' }) : { status: 'ok' },
  );
  app.get('/api/config', async () => ({ iceServers: options.iceServers }));
  const io: ClassroomServer = new Server(app.server, {
    maxHttpBufferSize: limits.socketBufferBytes,
    cors: { origin: options.corsOrigins?.length ? options.corsOrigins : false },
  });
  options.configureIo?.(io);
  const chat = createChatService({
    store: options.chat,
    publish: (sessionId, event, payload) => (io.to(classRoom(sessionId)).emit as (e: string, p: unknown) => boolean)(event, payload),
    now: options.now && (() => new Date(options.now!())),
  });

  await app.register(classRoutes, { classes: options.classes, tokens: options.tokens });
  await app.register(chatRoutes, { chat, tokens: options.tokens, rates: options.rates });
  await app.register(adminRoutes, {
    adminToken: options.adminToken,
    store: options.store,
    classes: options.classes,
    tokens: options.tokens,
    mediaServer: () => classroom.sfu,
  });

  const dist = options.webDist ? resolve(options.webDist) : undefined;
  if (dist && existsSync(resolve(dist, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: dist,
      wildcard: false,
      index: false,
      // The build writes .br and .gz beside each text file: sent as they are, no compressing per request.
      preCompressed: true,
      setHeaders: (reply, path) => {
        // Built assets carry a content hash in their name: a browser keeps them for good. The page
        // itself is checked every time, so a new build reaches everyone at their next load.
        reply.header('cache-control', isHashedAsset(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    // Every page path (/, /session/…, /join/…) is the single-page app.
    app.setNotFoundHandler((request, reply) => {
      if (request.method !== 'GET' || request.url.startsWith('/api/') || request.url.startsWith('/socket.io')) {
        return reply.code(404).send({ error: { code: 'not_found', message: 'no such route' } });
      }
      return reply.type('text/html').sendFile('index.html');
    });
  }

  const classroom = attachSocketClassroom({
    io,
    store: options.store,
    tokens: options.tokens,
    chat,
    log: options.logger,
    now: options.now,
    rates: options.rates,
    grace: options.grace,
    janus: options.janus,
    sfuThreshold: options.sfuThreshold,
    isLargeClass: largeClassLookup(options.classes),
  });
  // Socket.IO closes before the HTTP server waits for its connections (its websockets would hold it open).
  app.addHook('preClose', async () => {
    classroom.close();
    await io.close();
  });
  const shutdown = async () => {
    draining = true;
    await classroom.drain();
    await app.close();
    // Sockets that left while it closed (a student saying goodbye as the server stopped) left notes;
    // those, and lines announced but held back to be written together (the store's short window),
    // go in now, while the database is still open.
    await classroom.settle();
    await options.chat.flush();
  };
  return { app, io, shutdown, deliver: classroom.deliver };
}

/** A file Vite wrote under assets/ with a content hash in its name (`index-BFzi3QYm.js`). */
export function isHashedAsset(path: string): boolean {
  return /[\\/]assets[\\/][^\\/]+-[\w-]{8}\.\w+(?:\.(?:br|gz))?$/.test(path);
}
