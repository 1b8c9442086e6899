import { expect, expectVideoPlaying, test } from './fixtures';

test('a student leaves and another reloads: the tutor ends with the right tiles, no duplicates', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const ben = await classroom.join('student', 'Ben');
  await expect(tutor.tiles()).toHaveCount(2);

  await amy.button('Leave').click();
  await expect(amy.page.getByTestId('session-ended')).toBeVisible();
  await expect(tutor.tileOf(amy)).toHaveCount(0);
  // Leaving lets the camera and microphone go.
  await expect.poll(() => amy.localTracks()).toEqual({ opened: 2, live: 0 });

  await ben.page.reload();
  await expect(ben.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
  await expectVideoPlaying(ben.tutorVideo());
  await expect(tutor.tiles()).toHaveCount(1);
  await expect(tutor.tileOf(ben)).toHaveCount(1);
  await expectVideoPlaying(tutor.tileOf(ben).locator('video'));
});

test('closing the tab removes the tile for everyone', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const ben = await classroom.join('student', 'Ben');
  await expect(ben.tileOf(amy)).toBeVisible();
  await amy.page.close();
  await expect(tutor.tileOf(amy)).toHaveCount(0);
  await expect(ben.tileOf(amy)).toHaveCount(0);
  await expect(tutor.tiles()).toHaveCount(1);
});

test('a forged or expired token shows a clear error and joins nothing', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const forged = await classroom.token({ role: 'student', name: 'Mallory', secret: 'not-the-server-secret-at-all-123' });
  const expired = await classroom.token({ role: 'student', name: 'Late', expiresIn: -60 });

  const mallory = await classroom.open('student', 'Mallory', { token: forged });
  await expect(mallory.page.getByTestId('session-error')).toContainText('not valid');
  const late = await classroom.open('student', 'Late', { token: expired });
  await expect(late.page.getByTestId('session-error')).toContainText('expired');

  await expect(mallory.page.getByTestId('self-preview')).toHaveCount(0);
  // The page opens the camera while the server checks the link; a refused link lets it go.
  await expect.poll(() => mallory.localTracks()).toEqual({ opened: 2, live: 0 });
  await expect.poll(() => late.localTracks()).toEqual({ opened: 2, live: 0 });
  await expect(tutor.page.getByText('No students have joined yet')).toBeVisible();
  await expect(tutor.tiles()).toHaveCount(0);
});

test('a tutor starts a class from the home page and a student joins from the invite link', async ({ page, browser }) => {
  await page.goto('/');
  await page.getByLabel('Class title').fill('Algebra 101');
  await page.getByLabel('Your name').fill('Ada');
  await page.getByRole('button', { name: 'Start class' }).click();
  const invite = await page.getByTestId('invite-link').inputValue();
  const tutorLink = await page.getByTestId('tutor-link').inputValue();
  await page.goto(`${tutorLink}&video=320x240@10`);
  await expect(page.getByRole('heading', { name: 'Algebra 101' })).toBeVisible();

  const studentContext = await browser.newContext();
  const student = await studentContext.newPage();
  await student.goto(invite);
  await expect(student.getByRole('heading', { name: 'Join Algebra 101' })).toBeVisible();
  await student.getByLabel('Your name').fill('Amy');
  await student.getByRole('button', { name: 'Join class' }).click();
  await expectVideoPlaying(student.getByTestId('tutor-video'));
  await expect(page.locator('[data-testid="participant-tile"][data-role="student"]')).toContainText('Amy');
  await studentContext.close();
});

test('the home page lists the tutor\'s recent classes, newest first, each opening its class', async ({ page }) => {
  for (const title of ['Geometry', 'Statistics']) {
    await page.goto('/');
    await page.getByLabel('Class title').fill(title);
    await page.getByLabel('Your name').fill('Ada');
    await page.getByRole('button', { name: 'Start class' }).click();
    await expect(page.getByTestId('invite-link')).toBeVisible();
  }
  await page.goto('/');
  const recent = page.getByTestId('recent-classes').getByRole('listitem');
  await expect(recent).toHaveText([/Statistics/, /Geometry/]);
  await recent.filter({ hasText: 'Geometry' }).getByRole('link', { name: 'Open' }).click();
  await expect(page.getByRole('heading', { name: 'Geometry' })).toBeVisible();
});
