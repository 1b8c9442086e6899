import pino from 'pino';
import { createTokenService } from '../../src/server/auth/tokens';
import { buildApp } from '../../src/server/app';
import { createMemoryClassStore } from '../../src/server/classroom/class-store';
import { openRedisCluster } from '../../src/server/cluster/redis-cluster';
import { ConfigError, loadConfig, loadDotEnv } from '../../src/server/config/config';
import { createJanusClient } from '../../src/server/sfu/janus-api';
import { openDatabase } from '../../src/server/storage/database';
import { createSqlChatStore } from '../../src/server/storage/sql-chat-store';
import { createSqlClassDirectory } from '../../src/server/storage/sql-class-directory';

/** The composition root: reads the environment, picks the stores, starts listening. */
async function main() {
  loadDotEnv();
  const config = loadConfig();
  const logger = pino({
    level: config.LOG_LEVEL,
    // Tokens ride in URLs and headers; never write them to a log.
    redact: ['req.headers.authorization', 'req.query.token', 'token', '*.token'],
  });
  if (config.jwtSecretGenerated) {
    logger.warn(`JWT_SECRET is not set: using a generated secret kept in ${config.DATA_DIR}/jwt-secret`);
  }
  const database = await openDatabase(config.DATABASE_URL, { log: logger });
  // REDIS_URL: this node shares its classes (state, broadcasts, relay) with every node on that Redis.
  const cluster = config.REDIS_URL
    ? await openRedisCluster({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX, log: logger })
    : undefined;
  const { app, io, shutdown, deliver } = await buildApp({
    logger,
    tokens: createTokenService(config.JWT_SECRET),
    store: cluster?.store ?? createMemoryClassStore(),
    configureIo: cluster?.configureIo,
    classes: createSqlClassDirectory(database.db),
    // Several nodes share the database: each writes its lines at once, or their order could mix.
    chat: createSqlChatStore(database.db, cluster ? { windowMs: 0 } : {}),
    adminToken: config.ADMIN_TOKEN,
    iceServers: config.ICE_SERVERS,
    corsOrigins: config.CORS_ORIGINS,
    webDist: config.WEB_DIST,
    grace: { networkMs: config.RECONNECT_GRACE_MS, closeMs: config.RELOAD_GRACE_MS },
    janus: config.JANUS_URL ? createJanusClient({ url: config.JANUS_URL, log: logger.child({ component: 'janus' }) }) : undefined,
    sfuThreshold: config.SFU_THRESHOLD,
  });
  if (!config.JANUS_URL) logger.info('JANUS_URL is not set: large classes use the star topology around the tutor');
  // The heartbeat is written before the first join, so no other node takes this one for dead.
  await cluster?.start({ io, deliver });
  await app.listen({ port: config.PORT, host: config.HOST });

  let closing = false;
  const stop = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing what is in flight');
    try {
      await shutdown();
      // The heartbeat runs through the drain (or other nodes would reap this one's participants
      // while it finishes), then stops; its key runs out on its own.
      await cluster?.stop();
      await cluster?.close();
      await database.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
