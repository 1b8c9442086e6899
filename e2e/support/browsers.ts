import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LaunchOptions } from '@playwright/test';

export type BrowserName = 'chromium' | 'firefox';

/** Where the browsers are; CHROMIUM_PATH / FIREFOX_PATH point elsewhere. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Run as root (CI, containers, this project's own machine), Chromium raises its compositor, media
 * and network threads to nice -8 and its audio threads to real-time scheduling: privileges no
 * user's browser has. With several pages on two cores those threads starve everything at normal
 * priority: the pages' own scripts, and the classroom server the pages talk to, whose event loop
 * was seen standing still, without using any CPU, for 400-900 ms while six pages joined a class.
 * So as root Chromium starts without CAP_SYS_NICE (util-linux `setpriv`), and its threads keep the
 * priorities they would have on a student's computer.
 */
const userPriorityLauncher = fileURLToPath(new URL('./chromium-at-user-priority.sh', import.meta.url));
const atUserPriority = (): boolean =>
  process.getuid?.() === 0 &&
  // The launcher tried on `true`: a machine without setpriv, or where root may not drop a capability
  // (no CAP_SETPCAP), starts Chromium directly.
  spawnSync(userPriorityLauncher, { stdio: 'ignore', env: { ...process.env, CLASSROOM_CHROMIUM: 'true' } }).status === 0;

/** Chromium with a fake camera and microphone, and nothing that reaches for the network. */
export const chromiumLaunch: LaunchOptions = {
  ...(atUserPriority()
    ? { executablePath: userPriorityLauncher, env: { ...process.env, CLASSROOM_CHROMIUM: chromiumPath } }
    : { executablePath: chromiumPath }),
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
