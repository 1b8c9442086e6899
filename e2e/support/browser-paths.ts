/**
 * Where the browsers are; CHROMIUM_PATH / FIREFOX_PATH point elsewhere. A module of its own, so a
 * reader of the paths (the bench's machine line) does not run the launch checks of browsers.ts.
 */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const firefoxPath = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
