/** The server the browser tests start: its own port, secret and database, so it never meets a dev server. */
export const e2ePort = Number(process.env.E2E_PORT ?? 3107);
export const e2eSecret = process.env.E2E_JWT_SECRET ?? 'e2e-secret-for-browser-tests-only-0123456789';

/** Opens the admin console of the test server. */
export const e2eAdminToken = process.env.E2E_ADMIN_TOKEN ?? 'e2e-admin-console-secret';

export const e2eEnv: Record<string, string> = {
  PORT: String(e2ePort),
  HOST: '127.0.0.1',
  JWT_SECRET: e2eSecret,
  DATABASE_URL: 'sqlite:./data/e2e.db',
  LOG_LEVEL: 'warn',
  ICE_SERVERS: '[]',
  ADMIN_TOKEN: e2eAdminToken,
};
