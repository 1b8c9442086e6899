import type { LaunchOptions } from '@playwright/test';

export type BrowserName = 'chromium' | 'firefox';

/** Where the browsers are; CHROMIUM_PATH / FIREFOX_PATH point elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Chromium with a fake camera and microphone, and nothing that reaches for the network. */
export const chromiumLaunch: LaunchOptions = {
  executablePath: chromiumPath,
  args: [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--autoplay-policy=no-user-gesture-required',
  ],
};

/** Firefox ESR through WebDriver BiDi, with fake media and no permission prompt. */
export const firefoxLaunch: LaunchOptions = {
  channel: 'moz-firefox',
  executablePath: firefoxPath,
  firefoxUserPrefs: {
    'media.navigator.streams.fake': true,
    'media.navigator.permission.disabled': true,
    'media.autoplay.default': 0,
  },
};

export const launchOptions: Record<BrowserName, LaunchOptions> = { chromium: chromiumLaunch, firefox: firefoxLaunch };
