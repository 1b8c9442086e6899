// Before the browser tests: say exactly what to install when a browser is missing, instead of a cryptic launch error.
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const firefox = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const missing = [
  [chromium, 'chromium', 'CHROMIUM_PATH'],
  [firefox, 'firefox-esr', 'FIREFOX_PATH'],
].filter(([path]) => !existsSync(path));

if (missing.length) {
  process.stderr.write(
    `The browser tests need ${missing.map(([p]) => p).join(' and ')}.\n` +
      `Install them with:  sudo apt-get install -y ${missing.map(([, pkg]) => pkg).join(' ')}\n` +
      `or point ${missing.map(([, , env]) => env).join(' / ')} at a browser you already have.\n`,
  );
  process.exit(1);
}
