import { expect, expectUncovered, expectVideoPlaying, test } from './fixtures';

test('tutor first, then two students: everyone sees everyone', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const ben = await classroom.join('student', 'Ben');

  for (const student of [amy, ben]) {
    await expectVideoPlaying(student.tutorVideo());
    await expect(student.page.getByTestId('waiting-for-tutor')).toHaveCount(0);
    await expect(student.page.getByTestId('self-preview').locator('video')).toBeVisible();
  }
  await expectVideoPlaying(amy.tileOf(ben).locator('video'));
  await expectVideoPlaying(ben.tileOf(amy).locator('video'));
  await expect(tutor.tiles()).toHaveCount(2);
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
  await expectVideoPlaying(tutor.tileOf(ben).locator('video'));
  await expect(tutor.tileOf(amy)).toHaveAttribute('data-role', 'student');
  await expect(tutor.tileOf(amy).getByTestId('connection-state')).toHaveText('connected');
});

test('students first, tutor last: the same outcome', async ({ classroom }) => {
  const amy = await classroom.join('student', 'Amy');
  await expect(amy.page.getByTestId('waiting-for-tutor')).toHaveText('Waiting for the tutor…');
  const ben = await classroom.join('student', 'Ben');
  await expect(ben.page.getByTestId('waiting-for-tutor')).toBeVisible();
  const tutor = await classroom.join('tutor', 'Ada');

  for (const student of [amy, ben]) {
    await expectVideoPlaying(student.tutorVideo());
    await expect(student.page.getByTestId('waiting-for-tutor')).toHaveCount(0);
  }
  await expectVideoPlaying(amy.tileOf(ben).locator('video'));
  await expectVideoPlaying(ben.tileOf(amy).locator('video'));
  await expect(tutor.tiles()).toHaveCount(2);
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
  await expectVideoPlaying(tutor.tileOf(ben).locator('video'));
});

test('the tutor leaving brings back "waiting for the tutor"', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await expectVideoPlaying(amy.tutorVideo());
  await tutor.button('Leave').click();
  await expect(tutor.page.getByTestId('session-ended')).toBeVisible();
  await expect(amy.page.getByTestId('waiting-for-tutor')).toBeVisible();
});

test('on a small laptop window (900x600) nothing is hidden: students see the tutor, a classmate and themselves; the tutor sees the students and the hands', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const ben = await classroom.join('student', 'Ben');
  for (const m of [tutor, amy, ben]) await m.page.setViewportSize({ width: 900, height: 600 });

  await expectVideoPlaying(amy.tutorVideo());
  await expectUncovered(amy.tutorVideo());
  await expectUncovered(amy.tileOf(ben));
  await expectUncovered(amy.page.getByTestId('self-preview'));
  await expectUncovered(amy.button('Raise hand'));
  await expectUncovered(amy.page.getByLabel('Message'));

  await amy.button('Raise hand').click();
  for (const student of [amy, ben]) await expectUncovered(tutor.tileOf(student));
  await expectUncovered(tutor.page.getByTestId('hand-queue'));
  await expectUncovered(tutor.page.getByTestId('self-preview'));
  await expectUncovered(tutor.button('Mute all'));
});
