import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LaunchOptions } from '@playwright/test';
import { chromiumPath, firefoxPath } from './browser-paths';

export type BrowserName = 'chromium' | 'firefox';

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

/**
 * The browser's own toolbar pages, which a headless browser never shows: every new window (each
 * browser context a test or the bench opens is one) preloads its omnibox popup, a "WebUI" page in
 * a renderer of its own. Six people opening a class at once started six of them beside the six
 * class pages, about 0.7 s of main-thread CPU each: on two cores, more than the class pages
 * themselves used, and it doubled the time until the class's videos played (11.3 s against 5.6 s
 * on a slow host, the link floor 7.7 s against 2.9 s). A student's own browser preloads its own
 * once, on its own machine.
 */
export const browserUiPreloads = ['PreloadTopChromeWebUI', 'InitialWebUI', 'WebUIToolbarProcessOverheadExperiment', 'WebUIOmniboxPopup', 'WebUIOmniboxAimPopup'];

/**
 * Playwright's own `--disable-features` list (1.64.1, pinned in package.json). Chromium takes the
 * last `--disable-features` it is given, so ours must carry these too; `e2e/browser-launch.spec.ts`
 * checks against the running browser's command line that nothing of Playwright's is lost.
 */
export const playwrightDisabledFeatures = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'DialMediaRouteProvider',
  'GlobalMediaControls',
  'HttpsUpgrades',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'BlockOriginHeaderModificationOnRedirect',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'Translate',
  'AutoDeElevate',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/** Chromium with a fake camera and microphone, nothing that reaches for the network, and no browser UI preloaded. */
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
    `--disable-features=${[...playwrightDisabledFeatures, ...browserUiPreloads].join(',')}`,
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
