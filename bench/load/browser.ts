/**
 * Browser driver (a process of its own): headless Chromium with a fake camera, through Playwright.
 * - `studentLink`: with the tutor's page in the class, opens a student's class link in a fresh
 *   browser context and times until the tutor's video shows its first frame; once per run.
 * - `fullClass`: opens 1 tutor + N students at the same moment and times until every expected video
 *   plays (the tutor sees every student; each student sees the tutor).
 * - `floor`: the media floor in the same browser: a blank page on the same server that takes the
 *   fake camera and sends it through a loopback RTCPeerConnection pair to a <video>, until its first
 *   frame (`pages` such pages at once).
 * - `linkFloor`: the class's pages, blank, holding the class's links by hand (`link-floor.ts`).
 * A frame counts when the <video> presents it (requestVideoFrameCallback), as in the floor.
 */
import { randomBytes } from 'node:crypto';
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test';
import { chromiumLaunch } from '../../e2e/support/browsers';
import { keepPeerConnections } from '../../e2e/support/classroom';
import { timingMarks, timingPrefix } from '../../src/client/timing';
import { onCleanup, serve } from './harness';
import { assertLocal, mintFor, sleep } from './client';
import { firstFrameAt, recordFirstFrames } from './first-frames';
import { classLinks, linkFloorLayout, linkFloorPage } from './link-floor';
import { startSignalRelay } from './link-floor-relay';
import { isStar } from '../../src/protocol/topology';
import { cappedVideo, largeClassStudentVideo, type VideoSize } from '../../src/client/media/local-media';
import { type CpuReading, type CpuUse, cpuBetween, readBrowserCpu } from './browser-cpu';

let browser: Browser | null = null;
onCleanup(async () => {
  await browser?.close().catch(() => undefined);
});

async function launch(): Promise<Browser> {
  // The same Chromium as the Playwright tests: system binary (CHROMIUM_PATH), fake camera.
  browser ??= await chromium.launch(chromiumLaunch);
  return browser;
}

interface Person {
  context: BrowserContext;
  url: string;
  userId: string;
}

/** A person's one page. */
const pageOf = (p: Person) => p.context.pages()[0];

async function person(url: string, secret: string, sessionId: string, role: 'tutor' | 'student', video: string): Promise<Person> {
  const b = await launch();
  const userId = `bench-${role}-${randomBytes(4).toString('hex')}`;
  const token = await mintFor(secret, { sessionId, role, userId, name: role === 'tutor' ? 'Tutor' : `Student ${userId.slice(-4)}` });
  const context = await b.newContext({ baseURL: url });
  await context.addInitScript({ content: recordFirstFrames });
  // Every peer connection the page opens (`window.__peerConnections`; a link rebuilt counts twice).
  await context.addInitScript(keepPeerConnections);
  return { context, userId, url: `/session/${sessionId}?token=${encodeURIComponent(token)}&video=${video}` };
}

/** When the page passed each of the app's `classroom:<step>` User Timing marks (src/client/timing.ts), epoch ms. */
const stepsOf = (page: Page): Promise<Record<string, number>> => page.evaluate(timingMarks, timingPrefix);

/** Adds a start's slowest page per step (ms from the start, `t0`) to `into`. */
function addSlowestSteps(into: Record<string, number[]>, pages: Array<Record<string, number>>, t0: number) {
  for (const step of new Set(pages.flatMap((p) => Object.keys(p)))) {
    (into[step] ??= []).push(Math.max(...pages.map((p) => p[step] ?? Number.NaN)) - t0);
  }
}

/** When the page had its document (DOMContentLoaded) and showed "connected", epoch ms; its steps; the peer connections it opened. */
async function milestones(p: Person): Promise<{ loaded: number; connected: number; steps: Record<string, number>; links: number }> {
  const page = pageOf(p);
  const [at, steps] = await Promise.all([
    page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const w = window as unknown as { __benchConnected?: number; __peerConnections?: RTCPeerConnection[] };
      return { loaded: performance.timeOrigin + (nav?.domContentLoadedEventEnd ?? Number.NaN), connected: w.__benchConnected ?? Number.NaN, links: w.__peerConnections?.length ?? 0 };
    }),
    stepsOf(page),
  ]);
  return { ...at, steps };
}

export interface BrowserArgs {
  url: string;
  secret: string;
  runs: number;
  /** Capture size and rate the pages ask for, `WxH@fps`. */
  video: string;
  students?: number;
  pages?: number;
  /** A first, uncounted run (warms the browser's and the server's caches). */
  warmUp?: boolean;
  /** How long a connected class is watched, once every video plays, for the CPU its media keeps busy. */
  connectedMs?: number;
}

/** The CPU a measured window used, every process of the browser, with the window's wall time. */
export interface WindowCpu extends CpuUse {
  seconds: number;
}

const windowCpu = (before: CpuReading | null, after: CpuReading | null, ms: number): WindowCpu | null =>
  before && after ? { ...cpuBetween(before, after), seconds: ms / 1000 } : null;

async function studentLink({ url, secret, runs, video, warmUp = true }: BrowserArgs) {
  assertLocal(url);
  const sessionId = `bench-browser-${randomBytes(3).toString('hex')}`;
  const tutor = await person(url, secret, sessionId, 'tutor', video);
  const tutorPage = await tutor.context.newPage();
  await tutorPage.goto(tutor.url);
  await tutorPage.getByTestId('connection-status').and(tutorPage.locator('[data-status="connected"]')).waitFor({ timeout: 30_000 });
  const samples: number[] = [];
  const loaded: number[] = [];
  const connected: number[] = [];
  const failures: string[] = [];
  // One run to warm the browser and the server (code caches), not counted (skipped in quick runs).
  for (let r = warmUp ? -1 : 0; r < runs; r++) {
    const student = await person(url, secret, sessionId, 'student', video);
    const page = await student.context.newPage();
    try {
      const t0 = Date.now();
      await page.goto(student.url);
      const shown = await firstFrameAt(pageOf(student), [`tutor:${tutor.userId}`], 20_000);
      const at = await milestones(student);
      if (r >= 0) {
        samples.push(shown - t0);
        loaded.push(at.loaded - t0);
        connected.push(at.connected - t0);
      }
    } catch (err) {
      failures.push((err as Error).message.split('\n')[0]);
    } finally {
      await student.context.close();
    }
    await sleep(500);
  }
  await tutor.context.close();
  return { samples, failures, loaded, connected };
}

async function fullClass({ url, secret, runs, video, students = 5, connectedMs = 3000 }: BrowserArgs) {
  assertLocal(url);
  const b = await launch();
  /** CPU of the class's start (opening the links until every expected video plays), per run. */
  const startCpu: WindowCpu[] = [];
  /** CPU of the connected class, once every video plays, per run. */
  const connectedCpu: WindowCpu[] = [];
  const samples: number[] = [];
  const loaded: number[] = [];
  const connected: number[] = [];
  /** Per app step, the slowest page's time of each run (ms from the start). */
  const steps: Record<string, number[]> = {};
  /** Peer connections the class's pages opened, per run (all pages together). */
  const links: number[] = [];
  const failures: string[] = [];
  for (let r = 0; r < runs; r++) {
    const sessionId = `bench-class-${randomBytes(3).toString('hex')}`;
    const people = [await person(url, secret, sessionId, 'tutor', video)];
    for (let s = 0; s < students; s++) people.push(await person(url, secret, sessionId, 'student', video));
    const pages = await Promise.all(people.map((p) => p.context.newPage()));
    const [tutor, ...rest] = people;
    try {
      const cpuBefore = await readBrowserCpu(b);
      const t0 = Date.now();
      await Promise.all(pages.map((page, i) => page.goto(people[i].url)));
      const done = await Promise.all([
        firstFrameAt(pageOf(tutor), rest.map((s) => s.userId), 30_000),
        ...rest.map((s) => firstFrameAt(pageOf(s), [`tutor:${tutor.userId}`], 30_000)),
      ]);
      samples.push(Math.max(...done) - t0);
      const cpuAtDone = await readBrowserCpu(b);
      const doneAt = Date.now();
      const start = windowCpu(cpuBefore, cpuAtDone, doneAt - t0);
      if (start) startCpu.push(start);
      await sleep(connectedMs);
      const afterwards = windowCpu(cpuAtDone, await readBrowserCpu(b), Date.now() - doneAt);
      if (afterwards) connectedCpu.push(afterwards);
      const at = await Promise.all(people.map(milestones));
      loaded.push(Math.max(...at.map((a) => a.loaded)) - t0);
      connected.push(Math.max(...at.map((a) => a.connected)) - t0);
      links.push(at.reduce((n, a) => n + a.links, 0));
      addSlowestSteps(steps, at.map((a) => a.steps), t0);
    } catch (err) {
      failures.push((err as Error).message.split('\n')[0]);
    } finally {
      await Promise.all(people.map((p) => p.context.close()));
    }
    await sleep(1000);
  }
  return { samples, failures, loaded, connected, steps, links, startCpu, connectedCpu };
}

/** The capture the pages ask for, from `WxH@fps`: in the shape `getUserMedia` and the class page take. */
function captureOf(video: string): VideoSize {
  const [size, fps] = video.split('@');
  const [width, height] = size.split('x').map(Number);
  return { width, height, frameRate: Number(fps) };
}

/**
 * Times `runs` starts of `count` blank pages, each in a context of its own: `start` takes the fresh
 * pages and returns when each one finished (epoch ms); a start's time is the last of them, with the
 * browser's CPU over it, and the slowest page's time of each User Timing step the pages marked.
 * The contexts close after each start, the camera with them.
 */
async function timedStarts(
  runs: number,
  warmUp: boolean,
  count: number,
  start: (pages: Page[]) => Promise<number[]>,
  setUp: (context: BrowserContext) => Promise<void> = async () => undefined,
) {
  const b = await launch();
  const samples: number[] = [];
  const failures: string[] = [];
  const startCpu: WindowCpu[] = [];
  const steps: Record<string, number[]> = {};
  for (let r = warmUp ? -1 : 0; r < runs; r++) {
    const contexts = await Promise.all(Array.from({ length: count }, () => b.newContext()));
    try {
      for (const c of contexts) await setUp(c);
      const pages = await Promise.all(contexts.map((c) => c.newPage()));
      const cpuBefore = await readBrowserCpu(b);
      const t0 = Date.now();
      const done = await start(pages);
      if (r >= 0) {
        samples.push(Math.max(...done) - t0);
        const cpu = windowCpu(cpuBefore, await readBrowserCpu(b), Date.now() - t0);
        if (cpu) startCpu.push(cpu);
        addSlowestSteps(steps, await Promise.all(pages.map(stepsOf)), t0);
      }
    } catch (err) {
      failures.push((err as Error).message.split('\n')[0]);
    } finally {
      await Promise.all(contexts.map((c) => c.close()));
    }
    await sleep(300);
  }
  return { samples, failures, startCpu, steps };
}

/** The media floor: navigate a blank page, take the camera, loop it through two RTCPeerConnections, first frame. */
async function floor({ url, runs, video, pages: count = 1, warmUp = true }: BrowserArgs) {
  assertLocal(url);
  return timedStarts(runs, warmUp, count, (pages) =>
    Promise.all(
      pages.map(async (page) => {
        await page.goto(`${url}/health`);
        return page.evaluate(
          async (capture) => {
            const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: capture });
            const a = new RTCPeerConnection();
            const b = new RTCPeerConnection();
            a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
            b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
            const video = document.createElement('video');
            video.muted = true;
            video.autoplay = true;
            document.body.append(video);
            const first = new Promise<number>((resolve) => {
              b.ontrack = (e) => {
                video.srcObject = e.streams[0];
                void video.play();
                video.requestVideoFrameCallback((t) => resolve(performance.timeOrigin + t));
              };
            });
            for (const track of stream.getTracks()) a.addTrack(track, stream);
            await a.setLocalDescription();
            await b.setRemoteDescription(a.localDescription as RTCSessionDescription);
            await b.setLocalDescription();
            await a.setRemoteDescription(b.localDescription as RTCSessionDescription);
            return first;
          },
          captureOf(video),
        );
      }),
    ),
  );
}

type LinkFloorMethod = 'camera' | 'dial' | 'firstFrames';

/** Calls the page's side of the link floor (`window.__linkFloor`, from `link-floor.ts`), plain data in and out. */
const callPage = <T>(page: Page, method: LinkFloorMethod, ...args: unknown[]) =>
  page.evaluate(`window.__linkFloor.${method}(${args.map((a) => JSON.stringify(a)).join(', ')})`) as Promise<T>;

/**
 * The class's link floor: the pages of a 1 + N class, blank, holding the links the class holds with
 * hand-made RTCPeerConnections (their signals over a WebSocket through a relay that does nothing
 * else), each showing and playing what the class page shows, until every page has a first frame
 * from each remote person: the class's own media work on this machine, with nothing of the app.
 */
async function linkFloor({ url, runs, video, students = 5, warmUp = true }: BrowserArgs) {
  assertLocal(url);
  const capture = captureOf(video);
  // Students in a star send the tutor the large-class size, as the class page caps them.
  const studentCapture = isStar(students) ? cappedVideo(capture, largeClassStudentVideo) : capture;
  const links = classLinks(students);
  const relay = await startSignalRelay();
  const setUp = (context: BrowserContext) => context.addInitScript({ content: linkFloorPage }).then(() => undefined);
  try {
    return await timedStarts(
      runs,
      warmUp,
      students + 1,
      async (pages) => {
        const room = randomBytes(4).toString('hex');
        await Promise.all(
          pages.map(async (page, i) => {
            await page.goto(relay.url);
            await callPage(page, 'camera', room, i, i === 0 ? capture : studentCapture, linkFloorLayout);
            for (const [dialler, answerer] of links) if (dialler === i) await callPage(page, 'dial', `${dialler}-${answerer}`, answerer);
          }),
        );
        return Promise.all(pages.map((page, i) => callPage<number>(page, 'firstFrames', links.filter((l) => l.includes(i)).length, 30_000)));
      },
      setUp,
    );
  } finally {
    await relay.close();
  }
}

serve({ studentLink, fullClass, floor, linkFloor });
