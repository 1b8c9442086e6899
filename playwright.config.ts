import { defineConfig } from '@playwright/test';
import { chromiumLaunch, firefoxLaunch } from './e2e/support/browsers';
import { e2eEnv, e2ePort } from './e2e/support/env';

export default defineConfig({
  testDir: 'e2e',
  // Several real browsers with live video per test: two cores run one test at a time best.
  workers: 1,
  fullyParallel: false,
  retries: process.env.CI ? 1 : 0,
  // Several browsers on two cores: a four-page Firefox test took over 60 s on a slow host (each
  // click about 9 s), so a test has two minutes; heavier specs set their own.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${e2ePort}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium', launchOptions: chromiumLaunch } },
    {
      name: 'firefox',
      use: { browserName: 'firefox', launchOptions: firefoxLaunch },
      // A dozen pages through Janus, or six at 640x480, run in Chromium (whose capture sizes the star
      // spec reads); the large-class spec puts a Firefox student in its own class. The launch check
      // reads Chromium's own command line.
      testIgnore: /(large-class|star|browser-launch)\.spec\.ts/,
    },
  ],
  webServer: {
    command: 'node scripts/start.mjs',
    url: `http://127.0.0.1:${e2ePort}/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: e2eEnv,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
