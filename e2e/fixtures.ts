import { expect, test as base } from '@playwright/test';
import type { BrowserName } from './support/browsers';
import { Classroom } from './support/classroom';

export { expect };
export { expectUncovered, expectVideoPlaying, Member, mintToken } from './support/classroom';

/** `classroom`: a fresh class per test, with people joining in Chromium or Firefox. */
export const test = base.extend<{ classroom: Classroom }>({
  classroom: async ({ browser, browserName }, use, testInfo) => {
    const classroom = new Classroom(browser, browserName as BrowserName);
    await use(classroom);
    const violations = await classroom.cspViolations();
    await classroom.close();
    // A failed test's screenshot injects a style of Playwright's own; judge the app on passing runs.
    if (testInfo.status === 'passed') expect(violations, 'content security policy violations').toEqual([]);
  },
});
