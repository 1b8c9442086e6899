/**
 * Large-class browser driver (a process of its own, see `scenarios/large-class.ts`): 1 tutor + N
 * students in headless Chromium with fake cameras, in one class, on whichever server it is given
 * (one sending media through Janus, or one without a media server, where a large class is a star
 * around the tutor). One command, `classroom`, measures:
 * - for every student, the time from the start of its page load until the tutor's <video> presents
 *   its first frame (requestVideoFrameCallback, recorded as in the class scenario: first-frames.ts);
 * - once the class has settled, over a window: the tutor page's outgoing media from getStats (how
 *   many outbound-rtp video streams its connected RTCPeerConnections carry, and the sum of their
 *   bytesSent, in kbit/s), how many students' tutor video advanced, and the tutor's CPU.
 * Once a student's page has shown the tutor, it stops painting video (CSS), which keeps receiving
 * and decoding it: 20 pages compositing video would starve a small machine.
 * The tutor has a Chromium of its own (same flags), so its CPU is the whole process tree of that
 * browser, read over CDP (SystemInfo.getProcessInfo); the students share one Chromium, a context
 * each. Everything it opens is closed when the command ends, and by the harness at its deadline.
 */
import { randomBytes } from 'node:crypto';
import { type Browser, type BrowserContext, chromium, type Page } from '@playwright/test';
import { chromiumLaunch } from '../../e2e/support/browsers';
import { keepPeerConnections } from '../../e2e/support/classroom';
import { assertLocal, mintFor, sleep } from './client';
import { cpuBetween, readBrowserCpu } from './browser-cpu';
import { firstFrameAt, recordFirstFrames } from './first-frames';
import { onCleanup, serve } from './harness';

const browsers = new Set<Browser>();
onCleanup(async () => {
  await Promise.all([...browsers].map((b) => b.close().catch(() => undefined)));
});

async function launch(extraArgs: string[] = []): Promise<Browser> {
  const b = await chromium.launch({ ...chromiumLaunch, args: [...(chromiumLaunch.args ?? []), ...extraArgs] });
  browsers.add(b);
  return b;
}

async function closeBrowser(b: Browser | null): Promise<void> {
  if (!b) return;
  browsers.delete(b);
  await b.close().catch(() => undefined);
}

/**
 * Runs in every student's page beside the first-frame recorder: once the page has shown the tutor,
 * it stops painting video (it keeps receiving and decoding it), so the compositing of 20 pages does
 * not starve the ones still joining on a small machine.
 */
const stopPaintingOnceTutorShows = `(() => {
  const seen = (event) => {
    if (!String(event.detail).startsWith('tutor:')) return;
    window.removeEventListener('bench:first-frame', seen);
    const style = document.createElement('style');
    style.textContent = 'video { visibility: hidden !important; }';
    document.head.append(style);
  };
  window.addEventListener('bench:first-frame', seen);
})();`;

const cameraOnly = `(() => {
  const md = navigator.mediaDevices;
  if (!md || !md.getUserMedia) return;
  const original = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => original({ ...(c || {}), audio: false });
})();`;

const studentViewport = { width: 360, height: 360 };

interface Person {
  context: BrowserContext;
  page: Page;
  path: string;
  userId: string;
}

async function person(b: Browser, url: string, secret: string, sessionId: string, role: 'tutor' | 'student', n: number, video: string): Promise<Person> {
  const userId = `bench-lc-${role}-${n}-${randomBytes(3).toString('hex')}`;
  const token = await mintFor(secret, { sessionId, role, userId, name: role === 'tutor' ? 'Tutor' : `Student ${n}` });
  // A student's page is small (a phone-sized window): 20 of them composite their tutor video on this machine's CPU.
  const context = await b.newContext({ baseURL: url, viewport: role === 'tutor' ? { width: 1280, height: 720 } : studentViewport });
  if (role === 'tutor') await context.addInitScript(keepPeerConnections);
  else {
    await context.addInitScript({ content: recordFirstFrames });
    await context.addInitScript({ content: stopPaintingOnceTutorShows });
  }
  const page = await context.newPage();
  return { context, page, userId, path: `/session/${sessionId}?token=${encodeURIComponent(token)}&video=${video}` };
}

const connected = (page: Page, timeout: number) =>
  page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout });

/** The tutor's outgoing RTP, read in the page: per outbound-rtp report, its bytes and what it sends. */
interface OutboundSample {
  connectedPcs: number;
  pcs: number;
  streams: Array<{
    key: string;
    kind: string;
    bytesSent: number;
    /** The report's own timestamp (ms): rates come from each stream's own interval. */
    timestamp: number;
    width?: number;
    height?: number;
    fps?: number;
    limitation?: string;
  }>;
}

/**
 * Every connected link's getStats at once: a star tutor's page under load takes a second or two
 * per link to answer, so asking them one after the other would take half a minute.
 */
const sampleOutbound = (page: Page): Promise<OutboundSample> =>
  page.evaluate(async () => {
    const pcs = (window as unknown as { __peerConnections?: RTCPeerConnection[] }).__peerConnections ?? [];
    const live = pcs.map((pc, i) => ({ pc, i })).filter(({ pc }) => pc.connectionState === 'connected');
    const reports = await Promise.all(live.map(({ pc }) => pc.getStats()));
    const streams: OutboundSample['streams'] = [];
    reports.forEach((report, k) => {
      report.forEach((r: Record<string, unknown>) => {
        if (r.type !== 'outbound-rtp') return;
        streams.push({
          key: `${live[k].i}/${String(r.id)}`,
          kind: String(r.kind),
          bytesSent: Number(r.bytesSent ?? 0),
          timestamp: Number(r.timestamp),
          width: r.frameWidth as number | undefined,
          height: r.frameHeight as number | undefined,
          fps: r.framesPerSecond as number | undefined,
          limitation: r.qualityLimitationReason as string | undefined,
        });
      });
    });
    return { connectedPcs: live.length, pcs: pcs.length, streams };
  });

/** The tutor video's clock on a student's page (-1 without one). */
const tutorClock = (page: Page) =>
  page
    .evaluate(() => (document.querySelector('video[data-testid="tutor-video"]') as HTMLVideoElement | null)?.currentTime ?? -1)
    .catch(() => -1);

export interface LargeClassArgs {
  url: string;
  secret: string;
  /** What the server is expected to do with the class (checked and reported). */
  topology: 'sfu' | 'star';
  students: number;
  /** Students who open the class at the same moment; the next batch starts once they all see the tutor. */
  batch: number;
  /** Capture `WxH@fps` of the tutor and of the students. */
  tutorVideo: string;
  studentVideo: string;
  /** The command returns within this, with what it has measured by then (browsers closed). */
  budgetMs: number;
  /** Longest wait for one batch's first frames. */
  batchTimeoutMs: number;
  /** Wait after the last student saw the tutor, before the measured window. */
  settleMs: number;
  /** The window between the two getStats samples. */
  windowMs: number;
  /** Students' pages open the camera only (no microphone). */
  studentsWithoutMic?: boolean;
  /** Extra Chromium flags for the students' browser. */
  studentArgs?: string[];
}

export interface Outgoing {
  /** The tutor page's media mode (`data-mode` of `media-mode`) during the window. */
  mode: string | null;
  tutorPcs: { total: number; connected: number };
  /** outbound-rtp video reports on the tutor's connected links, at each of the two samples. */
  videoStreams: [number, number];
  audioStreams: number;
  /** Sum of the bytesSent deltas over the window, every outbound-rtp (audio and video). */
  outKbps: number;
  outVideoKbps: number;
  /** Per outbound video stream at the second sample (averages): what the encoders actually send. */
  video: { width: number; height: number; fps: number; limitations: Record<string, number> };
  /** CPU of the tutor's browser over the window, 1.0 = one core (null when CDP could not say). */
  tutorCpu: number | null;
  /** Students whose tutor video advanced during the window. */
  studentsPlaying: number;
  windowMs: number;
}

export interface LargeClassResult {
  topology: 'sfu' | 'star';
  /** Per student, in join order: ms from its page load's start to the tutor's first frame; null = never. */
  firstFrameMs: Array<number | null>;
  /** Students whose link was opened: the rest were left out when the budget could not fit their group. */
  opened: number;
  /** From the first student's page load to the last first frame (null unless every student saw the tutor). */
  allSeeTutorMs: number | null;
  /** The window's figures; null when there was no time left for it. */
  outgoing: Outgoing | null;
  failures: string[];
  /** How long the command took, browsers included. */
  ms: number;
}

const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** What the window says: the difference of two samples of the tutor's outgoing RTP. */
function outgoing(a: OutboundSample, b: OutboundSample): Omit<Outgoing, 'mode' | 'tutorCpu' | 'studentsPlaying' | 'windowMs'> {
  const before = new Map(a.streams.map((s) => [s.key, s]));
  // kbit/s per stream over its own interval, summed (a stream new in the second sample is left out).
  let kbps = 0;
  let videoKbps = 0;
  for (const s of b.streams) {
    const prev = before.get(s.key);
    if (!prev || s.timestamp <= prev.timestamp) continue;
    const rate = (Math.max(0, s.bytesSent - prev.bytesSent) * 8) / (s.timestamp - prev.timestamp);
    kbps += rate;
    if (s.kind === 'video') videoKbps += rate;
  }
  const video = b.streams.filter((s) => s.kind === 'video');
  const limitations: Record<string, number> = {};
  for (const s of video) limitations[s.limitation ?? 'unknown'] = (limitations[s.limitation ?? 'unknown'] ?? 0) + 1;
  return {
    tutorPcs: { total: b.pcs, connected: b.connectedPcs },
    videoStreams: [a.streams.filter((s) => s.kind === 'video').length, video.length],
    audioStreams: b.streams.filter((s) => s.kind === 'audio').length,
    outKbps: kbps,
    outVideoKbps: videoKbps,
    video: {
      width: avg(video.map((s) => s.width ?? 0)),
      height: avg(video.map((s) => s.height ?? 0)),
      fps: avg(video.map((s) => s.fps ?? 0)),
      limitations,
    },
  };
}

/** Rejects after `ms` (for steps that must not eat the budget). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${(ms / 1000).toFixed(0)} s`)), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function classroom(args: LargeClassArgs): Promise<LargeClassResult> {
  assertLocal(args.url);
  const started = Date.now();
  // Closing 2 browsers and 21 contexts takes a few seconds on a busy machine: keep them aside.
  const closeReserveMs = 12_000;
  const deadline = started + args.budgetMs - closeReserveMs;
  const left = () => deadline - Date.now();
  const { url, secret } = args;
  const sessionId = `bench-large-${args.topology}-${randomBytes(3).toString('hex')}`;
  const failures: string[] = [];
  const firstFrameMs: Array<number | null> = Array.from({ length: args.students }, () => null);
  let allSeeTutorMs: number | null = null;
  let opened = 0;
  let out: Outgoing | null = null;
  let tutorBrowser: Browser | null = null;
  let studentBrowser: Browser | null = null;
  const contexts: BrowserContext[] = [];
  try {
    [tutorBrowser, studentBrowser] = await Promise.all([launch(), launch(args.studentArgs)]);
    const tutor = await person(tutorBrowser, url, secret, sessionId, 'tutor', 0, args.tutorVideo);
    contexts.push(tutor.context);
    await tutor.page.goto(tutor.path, { timeout: 30_000 });
    await connected(tutor.page, 30_000);
    const modeOf = () =>
      tutor.page
        .locator('[data-testid="media-mode"]')
        .getAttribute('data-mode', { timeout: 5000 })
        .catch(() => null);
    if (args.topology === 'sfu') {
      // A tutor expecting a large class moves it before it grows (SFU_THRESHOLD=0 alone would move
      // it with the first student): both topologies then start with the tutor's camera going out.
      if ((await modeOf()) !== 'sfu') {
        await tutor.page.getByRole('button', { name: 'Use large-class video', exact: true }).click({ timeout: 10_000 });
        await tutor.page.locator('[data-testid="media-mode"][data-mode="sfu"]').waitFor({ state: 'attached', timeout: 10_000 });
      }
      await tutor.page
        .waitForFunction(
          () => ((window as unknown as { __peerConnections?: RTCPeerConnection[] }).__peerConnections ?? []).some((pc) => pc.connectionState === 'connected'),
          undefined,
          { timeout: 20_000, polling: 100 },
        )
        .catch(() => failures.push('the tutor did not publish to the media server within 20 s'));
    }

    // Every student's context and blank page first, so a student's time is its page load onwards.
    const students: Person[] = [];
    for (let n = 1; n <= args.students; n++) {
      const s = await person(studentBrowser, url, secret, sessionId, 'student', n, args.studentVideo);
      contexts.push(s.context);
      if (args.studentsWithoutMic) await s.context.addInitScript({ content: cameraOnly });
      students.push(s);
    }

    // The window needs settle + window + a little; the join phase gets the rest.
    const windowNeedsMs = args.settleMs + args.windowMs + 25_000;
    const joinStart = Date.now();
    let lastFrame = 0;
    for (let from = 0; from < students.length; from += args.batch) {
      // A group opens only with the whole time a group is given: on a slow host the last group,
      // given the 26 s or 6 s left, did not load, and read as students who failed to see the tutor.
      if (left() - windowNeedsMs < args.batchTimeoutMs) {
        failures.push(`${students.length - from} students not opened: out of time (budget ${(args.budgetMs / 1000).toFixed(0)} s)`);
        break;
      }
      opened = Math.min(students.length, from + args.batch);
      await Promise.all(
        students.slice(from, from + args.batch).map(async (s, i) => {
          const n = from + i;
          const t0 = Date.now();
          try {
            await s.page.goto(s.path, { timeout: args.batchTimeoutMs });
            const wait = t0 + args.batchTimeoutMs - Date.now();
            // Two clocks on purpose: the page's own timer says which frames never came, and this
            // side's gives up on a page too busy to answer at all (its timer then fires late or not).
            const at = await within(firstFrameAt(s.page, [`tutor:${tutor.userId}`], wait + 1000), wait, 'the tutor\'s first frame');
            firstFrameMs[n] = at - t0;
            lastFrame = Math.max(lastFrame, at);
          } catch (err) {
            failures.push(`student ${n + 1}: ${(err as Error).message.split('\n')[0]}`);
          }
        }),
      );
    }
    if (firstFrameMs.every((v) => v !== null)) allSeeTutorMs = lastFrame - joinStart;

    if (left() < args.windowMs + 3000) {
      failures.push('no time left for the outgoing-media window');
    } else {
      await sleep(Math.min(args.settleMs, left() - args.windowMs - 3000));
      // (A star's tutor page under load can take many seconds to answer getStats: 30 s each.)
      const clocks = () => Promise.all(students.map((s) => tutorClock(s.page)));
      const sample = () => Promise.all([sampleOutbound(tutor.page), readBrowserCpu(tutorBrowser as Browser), clocks()] as const);
      const mode = await modeOf();
      const [a, cpuA, clocksA] = await within(sample(), 30_000, 'first getStats sample');
      const wallA = performance.now();
      await sleep(args.windowMs);
      const [b, cpuB, clocksB] = await within(sample(), 30_000, 'second getStats sample');
      const windowMs = performance.now() - wallA;
      out = {
        mode,
        ...outgoing(a, b),
        tutorCpu: cpuA !== null && cpuB !== null ? cpuBetween(cpuA, cpuB).total / (windowMs / 1000) : null,
        studentsPlaying: clocksB.filter((t, i) => t > 0 && t > clocksA[i]).length,
        windowMs,
      };
    }
  } catch (err) {
    failures.push((err as Error).message.split('\n')[0]);
  } finally {
    await within(Promise.all(contexts.map((c) => c.close().catch(() => undefined))), 8000, 'closing pages').catch(() => undefined);
    await Promise.all([closeBrowser(tutorBrowser), closeBrowser(studentBrowser)]);
  }
  return { topology: args.topology, firstFrameMs, opened, allSeeTutorMs, outgoing: out, failures, ms: Date.now() - started };
}

serve({ classroom });
