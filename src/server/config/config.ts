import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

/** The environment the server reads, checked at start: a bad value stops it with a clear message. */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters').optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'DATABASE_URL is sqlite:<path> or postgres://…')
    .default('sqlite:./data/classroom.db'),
  REDIS_URL: z.string().url().optional(),
  /** Put before every Redis key and pub/sub channel, so several deployments can share one Redis. */
  REDIS_PREFIX: z.string().min(1).default('classroom:'),
  ICE_SERVERS: z
    .string()
    .default('[]')
    .transform((raw, ctx) => {
      try {
        return z.array(IceServer).parse(JSON.parse(raw));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'ICE_SERVERS must be a JSON array of RTCIceServer' });
        return z.NEVER;
      }
    }),
  ADMIN_TOKEN: z.string().min(8).optional(),
  JANUS_URL: z.string().url().optional(),
  /** Students beyond this many move a class to the media server (with JANUS_URL); 0 starts every class there. */
  SFU_THRESHOLD: z.coerce.number().int().min(0).max(1000).default(6),
  /** Comma-separated origins allowed to call the API from elsewhere; the app's own origin always works. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean)),
  DATA_DIR: z.string().default('./data'),
  /** How long a participant whose network dropped keeps their slot (hand, mute, tile) before leaving. */
  RECONNECT_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /** How long a page that closed its connection (reload, closed tab) keeps its slot. */
  RELOAD_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(3_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where the built web app is served from. */
  WEB_DIST: z.string().default('./dist/web'),
});

export type Env = z.infer<typeof EnvSchema>;
export type Config = Omit<Env, 'JWT_SECRET'> & { JWT_SECRET: string; jwtSecretGenerated: boolean };

export class ConfigError extends Error {}

/** Reads a `.env` file's KEY=value lines into the environment, never overriding what is set. */
export function loadDotEnv(path = '.env', env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(path)) return;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    const value = m[2].replace(/^(['"])(.*)\1$/, '$2');
    if (env[m[1]] === undefined) env[m[1]] = value;
  }
}

export function parseEnv(env: NodeJS.ProcessEnv): Env {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Keeps a generated secret under the data folder so links survive a restart. */
function persistentSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = parseEnv(env);
  if (parsed.JWT_SECRET) return { ...parsed, JWT_SECRET: parsed.JWT_SECRET, jwtSecretGenerated: false };
  return { ...parsed, JWT_SECRET: persistentSecret(parsed.DATA_DIR), jwtSecretGenerated: true };
}
