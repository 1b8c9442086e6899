import { expect, test } from './fixtures';
import { e2eAdminToken } from './support/env';

test('three students raise hands in order; the tutor sees that order with waiting times, and lowers them all', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const students = [];
  for (const name of ['Cleo', 'Amy', 'Ben']) students.push(await classroom.join('student', name));
  await expect(tutor.tiles()).toHaveCount(3);
  for (const s of students) {
    await s.button('Raise hand').click();
    await expect(s.button('Lower hand')).toBeVisible();
  }
  const queue = tutor.page.getByTestId('hand-queue').getByRole('listitem');
  await expect(queue).toHaveText([/Cleo\s*\d+s/, /Amy\s*\d+s/, /Ben\s*\d+s/]);
  // The waiting time runs.
  const first = await queue.first().textContent();
  await expect(queue.first()).not.toHaveText(first ?? '', { timeout: 5000 });
  await expect(tutor.page.getByTestId('announcer')).toHaveText('Ben raised a hand');

  // Lower and raise again goes to the end.
  await students[0].button('Lower hand').click();
  await students[0].button('Raise hand').click();
  await expect(queue).toHaveText([/Amy/, /Ben/, /Cleo/]);

  await tutor.button('Lower all hands').click();
  await expect(queue).toHaveCount(0);
  for (const s of students) await expect(s.button('Raise hand')).toBeVisible();
  await expect(students[1].page.locator('[data-testid="chat-message"][data-type="system"]').filter({ hasText: 'Ada lowered all hands' })).toBeVisible();
});

test('locked microphones stop a student\'s unmute button; unlocking gives it back', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await expect(amy.button('Mute microphone')).toBeEnabled();
  await tutor.button('Lock microphones').click();
  await expect(amy.button('Unmute microphone')).toBeDisabled();
  await expect(amy.page.getByTestId('mic-locked')).toHaveText('Microphones are locked by the tutor.');
  await expect.poll(() => amy.localAudioEnabled()).toBe(false);
  // The tutor's own microphone is not locked.
  await expect(tutor.button('Mute microphone')).toBeEnabled();
  // A reload does not bring the microphone back.
  await amy.page.reload();
  await expect(amy.button('Unmute microphone')).toBeDisabled();

  await tutor.button('Unlock microphones').click();
  await expect(amy.button('Unmute microphone')).toBeEnabled();
  await amy.button('Unmute microphone').click();
  await expect(amy.button('Mute microphone')).toBeVisible();
  await expect.poll(() => amy.localAudioEnabled()).toBe(true);
});

test('giving the floor lets exactly one student speak while microphones are locked', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const ben = await classroom.join('student', 'Ben');
  await tutor.button('Lock microphones').click();
  await amy.button('Raise hand').click();
  await ben.button('Raise hand').click();
  await tutor.page.getByRole('button', { name: 'Give the floor to Amy' }).click();

  await expect(amy.page.getByTestId('unmute-request')).toContainText('Ada asks you to unmute');
  await amy.page.getByTestId('unmute-request').getByRole('button', { name: 'Unmute' }).click();
  await expect(amy.button('Mute microphone')).toBeVisible();
  await expect.poll(() => amy.localAudioEnabled()).toBe(true);
  await expect(amy.button('Raise hand')).toBeVisible();
  await expect(ben.button('Unmute microphone')).toBeDisabled();
  await expect(tutor.tileOf(amy)).toContainText('has the floor');

  await tutor.button('Take the floor back').click();
  await expect(amy.button('Unmute microphone')).toBeDisabled();
  await expect.poll(() => amy.localAudioEnabled()).toBe(false);
});

test('asking to unmute leaves the choice to the student', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await tutor.tileOf(amy).getByRole('button', { name: 'Mute Amy' }).click();
  await expect(amy.button('Unmute microphone')).toBeVisible();
  await tutor.tileOf(amy).getByRole('button', { name: 'Ask Amy to unmute' }).click();
  await amy.page.getByRole('button', { name: 'Stay muted' }).click();
  await expect(amy.button('Unmute microphone')).toBeVisible();
  await expect.poll(() => amy.localAudioEnabled()).toBe(false);
  await tutor.tileOf(amy).getByRole('button', { name: 'Ask Amy to unmute' }).click();
  await amy.page.getByTestId('unmute-request').getByRole('button', { name: 'Unmute' }).click();
  await expect(amy.button('Mute microphone')).toBeVisible();
});

test('a removed student sees why and cannot come back with the same link', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const ben = await classroom.join('student', 'Ben');
  tutor.page.once('dialog', (dialog) => void dialog.accept());
  await tutor.tileOf(ben).getByRole('button', { name: 'Remove Ben' }).click();
  await expect(ben.page.getByTestId('session-removed')).toContainText('Ada removed you from this class');
  await expect(tutor.tileOf(ben)).toHaveCount(0);
  await ben.page.reload();
  await expect(ben.page.getByTestId('session-error')).toContainText('You were removed from this class');
  await expect(tutor.tiles()).toHaveCount(0);
  await expect(tutor.page.locator('[data-testid="chat-message"][data-type="system"]').filter({ hasText: 'Ada removed Ben from the class' })).toBeVisible();
});

test('the admin console lists live classes and mutes a student in a live class', async ({ classroom, page }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await amy.button('Raise hand').click();
  await expect(tutor.tiles()).toHaveCount(1);

  await page.goto('/admin');
  await page.getByLabel('Admin token').fill(e2eAdminToken);
  await page.getByRole('button', { name: 'Open console' }).click();
  const row = page.locator(`[data-testid="live-class"][data-class-id="${classroom.sessionId}"]`);
  await expect(row).toContainText('Ada');
  await expect(row.locator('td').nth(2)).toHaveText('2');
  await expect(row.locator('td').nth(3)).toHaveText('1');
  await row.getByRole('link', { name: /^Open/ }).click();

  const amyRow = page.locator(`[data-testid="console-participant"][data-user-id="${amy.userId}"]`);
  await expect(amyRow).toContainText('raised (#1)');
  await amyRow.getByRole('button', { name: 'Mute Amy' }).click();
  await expect(amy.button('Unmute microphone')).toBeVisible();
  await expect.poll(() => amy.localAudioEnabled()).toBe(false);
  await expect(amyRow).toContainText('muted');
  await amyRow.getByRole('button', { name: 'Lower hand of Amy' }).click();
  await expect(amy.button('Raise hand')).toBeVisible();
  // The console is not a tile for the tutor.
  await expect(tutor.tiles()).toHaveCount(1);
});

test('the admin console refuses a wrong token', async ({ page }) => {
  await page.goto('/admin');
  await page.getByLabel('Admin token').fill('not-the-admin-token');
  await page.getByRole('button', { name: 'Open console' }).click();
  await expect(page.getByRole('alert')).toContainText('not right');
});
