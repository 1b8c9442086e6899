import { expectVideoPlaying, test } from './fixtures';

// Each runs in both projects, so the test's own browser meets the other one.
test('a tutor and a student in different browsers see each other', async ({ classroom, browserName }) => {
  const other = browserName === 'chromium' ? 'firefox' : 'chromium';
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy', { browser: other });
  await expectVideoPlaying(amy.tutorVideo());
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
});

test('a student and a tutor in different browsers, student first', async ({ classroom, browserName }) => {
  const other = browserName === 'chromium' ? 'firefox' : 'chromium';
  const amy = await classroom.join('student', 'Amy');
  const tutor = await classroom.join('tutor', 'Ada', { browser: other });
  await expectVideoPlaying(amy.tutorVideo());
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
});
