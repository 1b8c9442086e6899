import { expect, test } from './fixtures';

test('a raised hand shows on the tutor tile and in the queue, and goes when lowered', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await expect(tutor.tileOf(amy)).toBeVisible();

  await amy.button('Raise hand').click();
  await expect(amy.button('Lower hand')).toBeVisible();
  await expect(tutor.tileOf(amy).getByTestId('hand-indicator')).toBeVisible();
  const queue = tutor.page.getByTestId('hand-queue').getByRole('listitem');
  await expect(queue).toHaveCount(1);
  await expect(queue.first()).toContainText('Amy');

  await amy.button('Lower hand').click();
  await expect(amy.button('Raise hand')).toBeVisible();
  await expect(tutor.tileOf(amy).getByTestId('hand-indicator')).toHaveCount(0);
  await expect(queue).toHaveCount(0);
});

test('the tutor mutes a student: the microphone really stops, and only the student unmutes it', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await expect(amy.button('Mute microphone')).toBeVisible();
  await expect.poll(() => amy.localAudioEnabled()).toBe(true);

  await tutor.tileOf(amy).getByRole('button', { name: 'Mute Amy' }).click();
  await expect(amy.button('Unmute microphone')).toBeVisible();
  await expect.poll(() => amy.localAudioEnabled()).toBe(false);
  await expect(tutor.tileOf(amy).getByRole('img', { name: 'Microphone off' })).toBeVisible();
  await expect(tutor.tileOf(amy).getByRole('button', { name: 'Mute Amy' })).toBeDisabled();

  await amy.button('Unmute microphone').click();
  await expect(amy.button('Mute microphone')).toBeVisible();
  await expect.poll(() => amy.localAudioEnabled()).toBe(true);
  await expect(tutor.tileOf(amy).getByRole('img', { name: 'Microphone off' })).toHaveCount(0);
});

test('"Mute all" mutes every student, and a student has no moderation controls', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const ben = await classroom.join('student', 'Ben');
  await expect(tutor.tiles()).toHaveCount(2);
  await expect(amy.button('Mute all')).toHaveCount(0);
  await expect(amy.page.getByRole('button', { name: 'Mute Ben' })).toHaveCount(0);

  await tutor.button('Mute all').click();
  for (const student of [amy, ben]) {
    await expect(student.button('Unmute microphone')).toBeVisible();
    await expect.poll(() => student.localAudioEnabled()).toBe(false);
  }
  await expect(tutor.button('Mute microphone')).toBeVisible();
});

test('an admin sees the tutor and every student, publishes nothing, and mutes a student', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const admin = await classroom.open('admin', 'Root', { token: await classroom.token({ role: 'admin', name: 'Root', sessionId: '*' }) });
  await expect(admin.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
  await expect(admin.tiles()).toHaveCount(2);
  await expect(admin.page.locator('[data-testid="participant-tile"][data-role="tutor"]')).toBeVisible();
  await expect(admin.page.getByTestId('self-preview')).toHaveText('Camera off');
  // The admin is not a tile for the class while they publish nothing.
  await expect(tutor.tiles()).toHaveCount(1);
  await expect(admin.page.locator('[data-testid="participant-tile"][data-role="tutor"] video')).toBeVisible();

  await admin.page.getByRole('button', { name: 'Mute Amy' }).click();
  await expect(amy.button('Unmute microphone')).toBeVisible();
});
