import { expect, expectVideoPlaying, type Member, test } from './fixtures';

test('past four students the class is a star: students send the tutor a small video, and everyone still plays', async ({ classroom }) => {
  const video = '640x480@15';
  const tutor = await classroom.join('tutor', 'Ada', { video });
  const students: Member[] = [];
  for (const name of ['Amy', 'Ben', 'Cal', 'Dee']) students.push(await classroom.join('student', name, { video }));
  const sentWidth = (m: Member) =>
    m.page.getByTestId('self-preview').locator('video').evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getVideoTracks()[0].getSettings().width ?? 0);
  // Four students: a mesh; cameras as asked.
  await expectVideoPlaying(students[0].tileOf(students[1]).locator('video'));
  expect(await sentWidth(students[0])).toBe(640);

  students.push(await classroom.join('student', 'Eve', { video }));
  for (const s of students) {
    await expect.poll(() => sentWidth(s)).toBeLessThanOrEqual(320);
    await expectVideoPlaying(s.tutorVideo());
  }
  for (const s of students) await expectVideoPlaying(tutor.tileOf(s).locator('video'));
  // The tutor's own camera is untouched.
  expect(await tutor.page.getByTestId('self-preview').locator('video').evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getVideoTracks()[0].getSettings().width)).toBe(640);
});
