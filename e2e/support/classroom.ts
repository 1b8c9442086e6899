import { randomBytes } from 'node:crypto';
import { type Browser, type BrowserContext, chromium, expect, firefox, type Locator, type Page } from '@playwright/test';
import { SignJWT } from 'jose';
import { type BrowserName, launchOptions } from './browsers';
import { e2ePort, e2eSecret } from './env';

export type Role = 'tutor' | 'student' | 'admin';

export interface TokenClaims {
  role: Role;
  name: string;
  userId?: string;
  sessionId?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  secret?: string;
}

export interface JoinOptions {
  /** The browser this person uses; the test's own browser by default. */
  browser?: BrowserName;
  userId?: string;
  /** Capture size and rate, `WxH@fps`; small by default so many pages fit on two cores. */
  video?: string;
  /** A ready-made token (forged, expired, for another class). */
  token?: string;
  /** The browser refuses camera and microphone, as when a person clicks "Block". */
  denyMedia?: boolean;
  /** Another server to join through (a second node, a restarted server); the test server by default. */
  baseURL?: string;
  /** The microphone plays a steady loud tone (the fake device only beeps briefly each second): someone speaking. */
  speaking?: boolean;
  /**
   * The page's size; Playwright's 1280x720 by default. A smaller one costs the browser less to paint
   * a full-screen video, which counts when a dozen pages share two cores.
   */
  viewport?: { width: number; height: number };
  /** Runs on the new browser context before the page opens: routes, listeners, scripts of the test's own. */
  beforeOpen?: (context: BrowserContext) => Promise<void> | void;
}

/** Mints a join token the way an integrator would: HS256 with JWT_SECRET. */
export async function mintToken(sessionId: string, claims: TokenClaims): Promise<string> {
  const jwt = new SignJWT({ name: claims.name, role: claims.role, sessionId: claims.sessionId ?? sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.userId ?? `${claims.role}-${randomBytes(4).toString('hex')}`)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.expiresIn ?? 3600));
  return jwt.sign(new TextEncoder().encode(claims.secret ?? e2eSecret));
}

/** One person in the class, in their own browser context. */
export class Member {
  constructor(
    readonly page: Page,
    readonly context: BrowserContext,
    readonly userId: string,
    readonly name: string,
    readonly role: Role,
    readonly url: string,
  ) {}

  /** The tile that shows `other` on this person's screen. */
  tileOf(other: Member): Locator {
    return this.page.locator(`[data-testid="participant-tile"][data-user-id="${other.userId}"]`);
  }

  tiles(): Locator {
    return this.page.getByTestId('participant-tile');
  }

  tutorVideo(): Locator {
    return this.page.getByTestId('tutor-video');
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  /** The camera and microphone tracks this page opened, and how many of them are still live (not stopped). */
  localTracks(): Promise<{ opened: number; live: number }> {
    return this.page.evaluate(() => {
      const tracks = (window as unknown as { __localTracks?: MediaStreamTrack[] }).__localTracks ?? [];
      return { opened: tracks.length, live: tracks.filter((t) => t.readyState === 'live').length };
    });
  }

  /** Whether one's own microphone track is enabled (read from the self-preview's stream). */
  localAudioEnabled(): Promise<boolean | null> {
    return this.page.getByTestId('self-preview').locator('video').evaluate((v: HTMLVideoElement) => {
      const track = (v.srcObject as MediaStream | null)?.getAudioTracks()[0];
      return track ? track.enabled : null;
    });
  }
}

/**
 * A class for one test: mints tokens, opens each person in their own browser context (Chromium or
 * Firefox), and closes everything afterwards.
 */
export class Classroom {
  readonly sessionId = `e2e-${randomBytes(5).toString('hex')}`;
  private contexts: BrowserContext[] = [];
  private extraBrowsers = new Map<BrowserName, Promise<Browser>>();

  constructor(
    private readonly defaultBrowser: Browser,
    private readonly defaultName: BrowserName,
  ) {}

  token(claims: TokenClaims): Promise<string> {
    return mintToken(this.sessionId, claims);
  }

  private browserFor(name: BrowserName | undefined): Promise<Browser> {
    if (!name || name === this.defaultName) return Promise.resolve(this.defaultBrowser);
    let launched = this.extraBrowsers.get(name);
    if (!launched) {
      launched = (name === 'chromium' ? chromium : firefox).launch(launchOptions[name]);
      this.extraBrowsers.set(name, launched);
    }
    return launched;
  }

  /** Opens the class page for a new person; does not wait for anything but the page. */
  async open(role: Role, name: string, options: JoinOptions = {}): Promise<Member> {
    const userId = options.userId ?? `${role}-${name.toLowerCase().replace(/\W+/g, '-')}-${randomBytes(3).toString('hex')}`;
    const token = options.token ?? (await this.token({ role, name, userId }));
    const browser = await this.browserFor(options.browser);
    const context = await browser.newContext({ baseURL: options.baseURL ?? `http://127.0.0.1:${e2ePort}`, ...(options.viewport ? { viewport: options.viewport } : {}) });
    this.contexts.push(context);
    await context.addInitScript(recordCspViolations);
    await context.addInitScript(keepPeerConnections);
    await context.addInitScript(keepLocalTracks);
    if (options.denyMedia) await context.addInitScript(denyMedia);
    if (options.speaking) await context.addInitScript(steadyTone);
    await options.beforeOpen?.(context);
    const page = await context.newPage();
    const url = `/session/${this.sessionId}?token=${encodeURIComponent(token)}&video=${options.video ?? '320x240@10'}`;
    await page.goto(url);
    return new Member(page, context, userId, name, role, url);
  }

  /** Opens the class page and waits until the person is in the class. */
  async join(role: Role, name: string, options: JoinOptions = {}): Promise<Member> {
    const member = await this.open(role, name, options);
    await expect(member.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected');
    return member;
  }

  /** Content-security-policy violations seen on every page this class opened. */
  async cspViolations(): Promise<string[]> {
    const pages = this.contexts.flatMap((c) => c.pages()).filter((p) => !p.isClosed());
    const found = await Promise.all(pages.map((p) => p.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []).catch(() => [])));
    return found.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.contexts.map((c) => c.close().catch(() => undefined)));
    for (const b of this.extraBrowsers.values()) await (await b).close().catch(() => undefined);
  }
}

/** Runs in every page: the app must pass its own content security policy. */
function recordCspViolations() {
  const w = window as unknown as { __csp?: string[] };
  w.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => w.__csp?.push(`${e.violatedDirective} ${e.blockedURI}`));
}

/** Keeps every camera and microphone track the page opened (`window.__localTracks`), to check they are stopped. */
function keepLocalTracks() {
  const devices = navigator.mediaDevices;
  if (!devices?.getUserMedia) return;
  const kept: MediaStreamTrack[] = [];
  (window as unknown as { __localTracks: MediaStreamTrack[] }).__localTracks = kept;
  const open = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    kept.push(...stream.getTracks());
    return stream;
  };
}

/** Keeps every RTCPeerConnection the page creates (`window.__peerConnections`): tests read their stats, the bench counts them. */
export function keepPeerConnections() {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  const kept: RTCPeerConnection[] = [];
  (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = kept;
  window.RTCPeerConnection = class extends Native {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      kept.push(this);
    }
  } as typeof RTCPeerConnection;
}

/** Replaces the microphone with a steady tone, as if the person spoke without pause. */
function steadyTone() {
  const devices = navigator.mediaDevices;
  const original = devices.getUserMedia.bind(devices);
  devices.getUserMedia = async (constraints) => {
    const stream = await original(constraints);
    if (!constraints?.audio) return stream;
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const out = audio.createMediaStreamDestination();
    tone.frequency.value = 440;
    tone.connect(out);
    tone.start();
    for (const track of stream.getAudioTracks()) {
      stream.removeTrack(track);
      track.stop();
    }
    stream.addTrack(out.stream.getAudioTracks()[0]);
    return stream;
  };
}

function denyMedia() {
  navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
}

/**
 * The element is on screen and nothing covers it: scrolled into view if its container scrolls, the
 * point at its centre belongs to it (not to a panel, a preview or a toast drawn over it).
 */
export async function expectUncovered(locator: Locator): Promise<void> {
  await expect(locator).toBeVisible();
  await locator.scrollIntoViewIfNeeded();
  await expect
    .poll(() =>
      locator.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const x = r.left + r.width / 2;
        const y = r.top + r.height / 2;
        if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return 'outside the window';
        const hit = document.elementFromPoint(x, y);
        return hit && (hit === el || el.contains(hit)) ? 'uncovered' : `covered by ${hit?.outerHTML.slice(0, 80) ?? 'nothing'}`;
      }),
    )
    .toBe('uncovered');
}

/**
 * A <video> really plays: it has frames, and its clock moves. `withinMs` is how long each of the two
 * may take: a class of a dozen pages or more on two cores starves some pages for seconds at a time.
 * A tile may be handed a new stream meanwhile (a link renewed after its sender republished), whose
 * clock starts again from 0: then that new clock must move.
 */
export async function expectVideoPlaying(video: Locator, { withinMs = 20_000 }: { withinMs?: number } = {}): Promise<void> {
  try {
    await expect(video).toBeVisible({ timeout: withinMs });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { message: 'the video has frames', timeout: withinMs }).toBeGreaterThan(0);
    const clock = () => video.evaluate((v: HTMLVideoElement) => ({ stream: (v.srcObject as MediaStream | null)?.id ?? v.currentSrc, time: v.currentTime }));
    const start = await clock();
    await expect
      .poll(
        async () => {
          const now = await clock();
          return now.stream === start.stream ? now.time > start.time : now.time > 0;
        },
        { message: `the video's clock moves (it stood at ${start.time.toFixed(2)} s)`, timeout: Math.max(10_000, withinMs / 2) },
      )
      .toBe(true);
  } catch (err) {
    const why = await videoDiagnosis(video).catch((e: unknown) => `no diagnosis: ${(e as Error).message.split('\n')[0]}`);
    (err as Error).message += `\n\nWhat the page saw of this video:\n${why}`;
    throw err;
  }
}

/**
 * Why a video does not play, as the page sees it: the element, its stream's tracks, and the
 * receiving side of the connection that carries them (packets, frames, keyframes, freezes).
 */
async function videoDiagnosis(video: Locator): Promise<string> {
  return video.evaluate(
    async (v: HTMLVideoElement) => {
      const stream = v.srcObject as MediaStream | null;
      const lines = [
        `element: videoWidth ${v.videoWidth}, currentTime ${v.currentTime.toFixed(2)}, readyState ${v.readyState}, paused ${v.paused}, stream ${stream?.id ?? 'none'}`,
      ];
      const tracks = stream?.getTracks() ?? [];
      for (const t of tracks) lines.push(`track ${t.kind}: ${t.readyState}, enabled ${t.enabled}, muted ${t.muted}`);
      const pcs = (window as unknown as { __peerConnections?: RTCPeerConnection[] }).__peerConnections ?? [];
      for (const pc of pcs) {
        const mine = pc.getReceivers().filter((r) => tracks.includes(r.track));
        if (!mine.length) continue;
        lines.push(`connection: ${pc.connectionState}, ice ${pc.iceConnectionState}, signaling ${pc.signalingState}`);
        for (const r of mine) {
          (await r.getStats()).forEach((s: Record<string, unknown>) => {
            if (s.type !== 'inbound-rtp') return;
            const keys = ['kind', 'packetsReceived', 'packetsLost', 'bytesReceived', 'framesReceived', 'framesDecoded', 'keyFramesDecoded', 'framesDropped', 'pliCount', 'firCount', 'nackCount', 'freezeCount', 'frameWidth', 'decoderImplementation'];
            lines.push(`inbound-rtp ${keys.map((k) => `${k}=${String(s[k] ?? '-')}`).join(' ')}`);
          });
        }
      }
      return lines.join('\n');
    },
    undefined,
    { timeout: 10_000 },
  );
}
