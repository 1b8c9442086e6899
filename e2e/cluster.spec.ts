import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  deleteRedisKeys,
  REDIS_URL,
  redisPrefix,
  type ServerNode,
  startNode,
  stopNode,
  throwawayPostgres,
} from '../test/cluster/support';
import { expect, expectVideoPlaying, type Member, test } from './fixtures';
import { e2eSecret } from './support/env';

/**
 * Two extra server nodes of their own (3121 and 3122, or E2E_CLUSTER_PORTS), sharing one Redis
 * (under a fresh key prefix) and one throwaway PostgreSQL database, as behind a load balancer.
 */
const ports = (process.env.E2E_CLUSTER_PORTS ?? '3121,3122').split(',').map(Number);
const nodes: ServerNode[] = [];
let prefix: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  // The nodes serve the built web app (Playwright's own server builds it when stale; this is for a lone run).
  if (!existsSync('dist/web/index.html')) {
    const built = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (built.status !== 0) throw new Error('the web app did not build');
  }
  prefix = redisPrefix();
  const database = await throwawayPostgres();
  dropDatabase = database.drop;
  const env = {
    JWT_SECRET: e2eSecret,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    DATABASE_URL: database.url,
    ICE_SERVERS: '[]',
    WEB_DIST: './dist/web',
  };
  const started = await Promise.allSettled(
    ports.map((port, i) => startNode(`e2e-${i ? 'B' : 'A'}`, { ...env, PORT: String(port) }, { timeoutMs: 90_000 })),
  );
  for (const s of started) if (s.status === 'fulfilled') nodes.push(s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
});

test.afterAll(async () => {
  test.setTimeout(60_000);
  await Promise.all(nodes.splice(0).map((n) => stopNode(n)));
  await dropDatabase?.();
  if (prefix) await deleteRedisKeys(prefix);
});

const messages = (m: Member) => m.page.getByTestId('chat-message').and(m.page.locator('[data-type="text"]'));

test('a tutor on one node and two students on another: video both ways, hands and chat across', async ({ classroom }) => {
  test.setTimeout(150_000);
  const [A, B] = nodes;
  const tutor = await classroom.join('tutor', 'Ada', { baseURL: A.url });
  const amy = await classroom.join('student', 'Amy', { baseURL: B.url });
  const ben = await classroom.join('student', 'Ben', { baseURL: B.url });

  // Students (on B) see the tutor (on A), and the tutor sees both students.
  for (const student of [amy, ben]) {
    await expectVideoPlaying(student.tutorVideo());
    await expect(student.page.getByTestId('waiting-for-tutor')).toHaveCount(0);
  }
  await expect(tutor.tiles()).toHaveCount(2);
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
  await expectVideoPlaying(tutor.tileOf(ben).locator('video'));
  await expectVideoPlaying(amy.tileOf(ben).locator('video'));

  // A hand raised on B is in the tutor's queue on A.
  await amy.button('Raise hand').click();
  await expect(tutor.tileOf(amy).getByTestId('hand-indicator')).toBeVisible();
  await expect(tutor.page.getByTestId('hand-queue').getByRole('listitem')).toHaveCount(1);

  // Chat from B reaches A.
  const box = ben.page.getByLabel('Message');
  await box.fill('hello from node B');
  await box.press('Enter');
  await expect(messages(tutor).filter({ hasText: 'hello from node B' })).toContainText('Ben');
});
