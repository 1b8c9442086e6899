import { expect, expectVideoPlaying, type Member, test } from './fixtures';
import { ServerProcess } from './support/server-process';

/** Records, in the page, whether `userId`'s tile ever disappeared. */
async function watchTile(viewer: Member, userId: string) {
  await viewer.page.evaluate((id) => {
    const w = window as unknown as { __tileLeft?: boolean };
    w.__tileLeft = false;
    const selector = `[data-testid="participant-tile"][data-user-id="${id}"]`;
    new MutationObserver(() => {
      if (!document.querySelector(selector)) w.__tileLeft = true;
    }).observe(document.body, { childList: true, subtree: true });
  }, userId);
  return () => viewer.page.evaluate(() => (window as unknown as { __tileLeft?: boolean }).__tileLeft);
}

test('a student offline for 5 s comes back: the tile never leaves, the hand stays, video plays again', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await expectVideoPlaying(amy.tutorVideo());
  await amy.button('Raise hand').click();
  await expect(tutor.tileOf(amy).getByTestId('hand-indicator')).toBeVisible();
  const tileLeft = await watchTile(tutor, amy.userId);

  await amy.context.setOffline(true);
  await expect(amy.page.getByTestId('connection-status')).toHaveAttribute('data-status', /offline|reconnecting/);
  // The others see the student as reconnecting, not gone.
  await expect(tutor.tileOf(amy).getByTestId('connection-state')).toHaveText('reconnecting');
  await amy.page.waitForTimeout(5000);
  await amy.context.setOffline(false);

  await expect(amy.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected', { timeout: 20_000 });
  await expectVideoPlaying(amy.tutorVideo());
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
  await expect(tutor.tileOf(amy)).toHaveCount(1);
  await expect(tutor.tileOf(amy).getByTestId('hand-indicator')).toBeVisible();
  await expect(tutor.page.getByTestId('hand-queue').getByRole('listitem')).toHaveCount(1);
  expect(await tileLeft()).toBe(false);
});

test('a peer connection killed from the page is rebuilt and video plays again', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await expectVideoPlaying(amy.tutorVideo());
  const closed = await amy.page.evaluate(() => {
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
    pcs.forEach((pc) => pc.close());
    return pcs.length;
  });
  expect(closed).toBeGreaterThan(0);
  await expectVideoPlaying(amy.tutorVideo());
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
  await expect(tutor.tileOf(amy).getByTestId('connection-state')).toHaveText('connected');
});

test('without camera permission a student still joins, says why, and shows the camera-off placeholder', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy', { denyMedia: true });
  await expect(amy.page.getByRole('alert').filter({ hasText: 'denied' })).toBeVisible();
  await expect(amy.page.getByTestId('self-preview')).toHaveText('Camera off');
  await expectVideoPlaying(amy.tutorVideo());
  await expect(tutor.tileOf(amy)).toBeVisible();
  await expect(tutor.tileOf(amy).getByRole('img', { name: 'Camera off' })).toBeVisible();
});

test.describe('a server that dies', () => {
  const server = new ServerProcess(3109);
  test.afterEach(async () => {
    await server.stop('SIGKILL');
  });

  test('is killed and restarted on the same port: everyone rejoins by themselves within 10 s', async ({ classroom }) => {
    await server.start();
    const tutor = await classroom.join('tutor', 'Ada', { baseURL: server.url });
    const amy = await classroom.join('student', 'Amy', { baseURL: server.url });
    await expectVideoPlaying(amy.tutorVideo());
    await expect(tutor.tiles()).toHaveCount(1);

    await server.stop('SIGKILL');
    await expect(amy.page.getByTestId('connection-status')).toHaveAttribute('data-status', /reconnecting|offline/);
    await server.start();
    for (const m of [tutor, amy]) {
      await expect(m.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected', { timeout: 10_000 });
    }
    await expect(tutor.tiles()).toHaveCount(1);
    await expectVideoPlaying(amy.tutorVideo());
    await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
  });
});
