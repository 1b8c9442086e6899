import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BenchContext } from '../scenarios/types';
import { appRoot, type ServerHandle, startServer } from './processes';

export interface ClassroomOptions {
  name: string;
  /** `sqlite` (a fresh file in the bench's temp folder, the default) or a `postgres://` URL. */
  database?: 'sqlite' | string;
  redis?: { url: string; prefix: string };
  /** Serve the built web app (the browser scenario). */
  web?: boolean;
  env?: Record<string, string>;
}

/** The classroom server (`apps/server/main.ts`) as its own process, configured as in production. */
export function startClassroom(ctx: BenchContext, options: ClassroomOptions): Promise<ServerHandle> {
  const dataDir = join(ctx.tmpDir, `${options.name}-${randomBytes(3).toString('hex')}`);
  const database = !options.database || options.database === 'sqlite' ? (process.env.BENCH_TMP_SQLITE ?? `sqlite:${join(dataDir, 'classroom.db')}`) : options.database;
  return startServer({
    name: options.name,
    script: 'apps/server/main.ts',
    cwd: appRoot,
    profileDir: ctx.profileDir,
    env: {
      JWT_SECRET: ctx.secret,
      DATABASE_URL: database,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ICE_SERVERS: '[]',
      // Sockets the generators close leave at once; a generator that dies leaves after this.
      RECONNECT_GRACE_MS: '2000',
      RELOAD_GRACE_MS: '500',
      WEB_DIST: options.web ? 'dist/web' : join(dataDir, 'no-web'),
      ...(options.redis ? { REDIS_URL: options.redis.url, REDIS_PREFIX: options.redis.prefix } : {}),
      ...options.env,
    },
  });
}

/** The bare Socket.IO floor (`bench/floor-server.ts`), started with the same flags and probe. */
export function startFloor(ctx: BenchContext, name = 'floor', env?: Record<string, string>): Promise<ServerHandle> {
  return startServer({ name, script: 'bench/floor-server.ts', profileDir: ctx.profileDir, env });
}
