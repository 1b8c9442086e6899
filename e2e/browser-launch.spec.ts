import { readFileSync } from 'node:fs';
import { chromium, expect, test } from '@playwright/test';
import { browserUiPreloads, chromiumLaunch } from './support/browsers';

/** The values of every `--disable-features` on a command line, in order. */
const disabledFeatureLists = (argv: string[]) =>
  argv.filter((a) => a.startsWith('--disable-features=')).map((a) => a.slice('--disable-features='.length).split(','));

test('Chromium starts with every feature Playwright turns off still off, and no browser UI preloaded', async () => {
  const server = await chromium.launchServer(chromiumLaunch);
  try {
    // The launcher execs Chromium, so the process Playwright started is the browser itself.
    const argv = readFileSync(`/proc/${server.process().pid}/cmdline`, 'utf8').split('\0');
    const lists = disabledFeatureLists(argv);
    expect(lists.length).toBeGreaterThanOrEqual(2);
    // Chromium takes the last list only: it must hold Playwright's (the earlier ones) and ours.
    const last = lists[lists.length - 1];
    for (const feature of [...lists.slice(0, -1).flat(), ...browserUiPreloads]) expect(last).toContain(feature);

    const browser = await chromium.connect(server.wsEndpoint());
    for (let i = 0; i < 2; i++) await (await browser.newContext()).newPage();
    const cdp = await browser.newBrowserCDPSession();
    // A preload would have started by now: each new window asks for its omnibox popup at once.
    await new Promise((r) => setTimeout(r, 1500));
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: Array<{ type: string; url: string }> };
    expect(targetInfos.filter((t) => t.type === 'page').map((t) => t.url)).toEqual(['about:blank', 'about:blank']);
    expect(targetInfos.filter((t) => t.url.startsWith('chrome://'))).toEqual([]);
    await browser.close();
  } finally {
    await server.close();
  }
});
