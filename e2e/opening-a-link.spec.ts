import { expect, expectVideoPlaying, test } from './fixtures';
import { timingMarks, timingPrefix, timingSteps } from '../src/client/timing';

/** The app's own script (`/assets/index-<hash>.js`), not the small first one (`class-head-start-<hash>.js`). */
const appScript = /\/assets\/index-[^/]+\.js$/;
const linkCheck = /\/api\/session\/[^/]+\/me$/;

test("a class link opens the camera and checks itself while the app's script is still on its way", async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const steps: string[] = [];
  let checks = 0;
  let tracksBeforeApp = -1;
  const amy = await classroom.join('student', 'Amy', {
    async beforeOpen(context) {
      context.on('request', (req) => {
        if (!linkCheck.test(new URL(req.url()).pathname)) return;
        checks += 1;
        steps.push('link check');
      });
      // A slow line: the app's script (most of the page's bytes) arrives a good while after the page.
      await context.route(appScript, async (route) => {
        steps.push('app script asked');
        const page = route.request().frame().page();
        const deadline = Date.now() + 5000;
        do {
          tracksBeforeApp = await page
            .evaluate(() => (window as unknown as { __localTracks?: unknown[] }).__localTracks?.length ?? 0)
            // The document may still be settling in: ask again.
            .catch(() => 0);
          if (tracksBeforeApp >= 2) break;
          await new Promise((r) => setTimeout(r, 50));
        } while (Date.now() < deadline);
        steps.push('app script sent');
        await route.continue();
      });
    },
  });

  // The link was checked and the camera and microphone were open before the app's script arrived...
  expect(steps.indexOf('link check')).toBeGreaterThanOrEqual(0);
  expect(steps.indexOf('link check')).toBeLessThan(steps.indexOf('app script sent'));
  expect(tracksBeforeApp).toBe(2);
  // ...and the app took both over: one link check, one camera, and the class works.
  expect(checks).toBe(1);
  expect(await amy.localTracks()).toEqual({ opened: 2, live: 2 });
  await expectVideoPlaying(amy.tutorVideo());
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));
});

test('the class page marks its first steps in the order it takes them', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await expectVideoPlaying(amy.tutorVideo());
  await expectVideoPlaying(tutor.tileOf(amy).locator('video'));

  const marks = await amy.page.evaluate(timingMarks, timingPrefix);
  expect(Object.keys(marks).sort()).toEqual([...timingSteps].sort());
  // The camera is asked for, opens, and the class takes it over; the join waits for the camera and the socket.
  expect(marks['media-asked']).toBeLessThanOrEqual(marks['media-open']);
  expect(marks['media-open']).toBeLessThanOrEqual(marks['media-ready']);
  expect(marks['media-ready']).toBeLessThanOrEqual(marks.joined);
  expect(marks['socket-connected']).toBeLessThanOrEqual(marks.joined);
  expect(marks.joined).toBeLessThanOrEqual(marks.roster);
  expect(marks.roster).toBeLessThanOrEqual(marks['first-remote-stream']);
});
