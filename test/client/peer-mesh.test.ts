import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant } from '../../src/protocol';
import { classmateAfterTutorMaxWaitMs, classmateDialDelayMs, classmateDialMaxWaitMs } from '../../src/protocol/topology';

/** A stand-in for simple-peer: the mesh's choices (who is dialled, when) without a browser. */
class FakePeer {
  static opened: FakePeer[] = [];
  destroyed = false;
  private handlers = new Map<string, Array<() => void>>();
  constructor(readonly opts: { initiator: boolean }) {
    FakePeer.opened.push(this);
  }
  on(event: string, handler: () => void) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }
  /** What simple-peer says once the link's media flows. */
  connect() {
    for (const handler of this.handlers.get('connect') ?? []) handler();
  }
  signal() {}
  addStream() {}
  removeStream() {}
  removeAllListeners() {
    this.handlers.clear();
    return this;
  }
  destroy() {
    this.destroyed = true;
  }
}

vi.mock('simple-peer/simplepeer.min.js', () => ({ default: FakePeer }));

const { createPeerMesh } = await import('../../src/client/media/peer-mesh');

const person = (id: string, role: Participant['role'], joinedAt: number, over: Partial<Participant> = {}): Participant => ({
  socketId: id,
  userId: `u-${id}`,
  name: id,
  role,
  isAudioOn: true,
  isVideoOn: true,
  isHandRaised: false,
  handRaisedAt: null,
  joinedAt,
  presence: 'online',
  ...over,
});

const tutor = person('tutor', 'tutor', 1);
const amy = person('amy', 'student', 2);
/** The page under test: Bea, who joined after Amy and so dials her. */
const bea = person('bea', 'student', 3);
const later = (n: number) => person(`s${n}`, 'student', 10 + n);

function meshOfBea() {
  const states = new Map<string, string | null>();
  /** Every link state the mesh reported, in order: `id state`. */
  const reports: string[] = [];
  const mesh = createPeerMesh({
    iceServers: [],
    sendSignal: () => undefined,
    onLinkState: (id, state) => {
      states.set(id, state);
      reports.push(`${id} ${state}`);
    },
    onRemoteStream: () => undefined,
  });
  return {
    mesh,
    states,
    reports,
    dialled: () => FakePeer.opened.filter((p) => p.opts.initiator).length,
    /** Bea's link to the tutor (her first dial) is up. */
    tutorLinkUp: () => FakePeer.opened[0].connect(),
  };
}

describe('peer mesh: when classmates are dialled', () => {
  beforeEach(() => {
    FakePeer.opened = [];
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('dials the tutor at once and a classmate once the students have stayed the same for a moment', () => {
    const { mesh, states, dialled, tutorLinkUp } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    expect(dialled()).toBe(1);
    tutorLinkUp();
    expect(states.get('amy')).toBe('connecting');
    vi.advanceTimersByTime(classmateDialDelayMs - 1);
    expect(dialled()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(dialled()).toBe(2);
    mesh.close();
  });

  it('builds no classmate link when the class turns into a star while its students arrive together', () => {
    const { mesh, states, dialled } = meshOfBea();
    const arrivals = [later(1), later(2), later(3)];
    mesh.sync(bea, [tutor, amy]);
    // Each arrives within the wait of the one before: the wait starts again every time.
    for (let n = 1; n <= arrivals.length; n++) {
      vi.advanceTimersByTime(classmateDialDelayMs - 100);
      mesh.sync(bea, [tutor, amy, ...arrivals.slice(0, n)]);
    }
    // Five students: a star; Bea links to the tutor only, and never dialled Amy.
    vi.advanceTimersByTime(classmateDialMaxWaitMs * 2);
    expect(dialled()).toBe(1);
    expect(FakePeer.opened.every((p) => !p.destroyed)).toBe(true);
    expect(states.get('amy')).toBeNull();
    mesh.close();
  });

  it('does not wait again for news that leaves the students as they were (a raised hand)', () => {
    const { mesh, dialled, tutorLinkUp } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    tutorLinkUp();
    vi.advanceTimersByTime(classmateDialDelayMs - 100);
    mesh.sync(bea, [tutor, { ...amy, isHandRaised: true, handRaisedAt: 5 }]);
    vi.advanceTimersByTime(100);
    expect(dialled()).toBe(2);
    mesh.close();
  });

  it('reports a waiting link as connecting once, however often the students change while it waits', () => {
    const { mesh, reports, tutorLinkUp } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    tutorLinkUp();
    vi.advanceTimersByTime(100);
    mesh.sync(bea, [tutor, amy, later(1)]);
    vi.advanceTimersByTime(100);
    mesh.sync(bea, [tutor, amy, later(1), later(2)]);
    expect(reports.filter((r) => r === 'amy connecting')).toHaveLength(1);
    vi.advanceTimersByTime(classmateDialDelayMs);
    // The dial itself opens the link, which says "connecting" as it starts.
    expect(reports.filter((r) => r === 'amy connecting')).toHaveLength(2);
    mesh.close();
  });

  it('dials after the longest wait even while students keep coming and going', () => {
    const { mesh, dialled, tutorLinkUp } = meshOfBea();
    const visitor = later(1);
    mesh.sync(bea, [tutor, amy]);
    tutorLinkUp();
    let elapsed = 0;
    for (let n = 0; elapsed + 300 < classmateDialMaxWaitMs; n++) {
      vi.advanceTimersByTime(300);
      elapsed += 300;
      mesh.sync(bea, n % 2 === 0 ? [tutor, amy, visitor] : [tutor, amy]);
      expect(dialled()).toBe(1);
    }
    vi.advanceTimersByTime(classmateDialMaxWaitMs - elapsed - 1);
    expect(dialled()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(dialled()).toBe(2);
    mesh.close();
  });

  it("waits for the tutor's link before dialling a classmate, and dials the moment it is up", () => {
    const { mesh, dialled, tutorLinkUp } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    vi.advanceTimersByTime(classmateDialDelayMs + classmateAfterTutorMaxWaitMs - 1);
    expect(dialled()).toBe(1);
    tutorLinkUp();
    expect(dialled()).toBe(2);
    mesh.close();
  });

  it("dials a classmate anyway once the tutor's link has been opening for the longest wait", () => {
    const { mesh, dialled } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    vi.advanceTimersByTime(classmateDialDelayMs + classmateAfterTutorMaxWaitMs - 1);
    expect(dialled()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(dialled()).toBe(2);
    mesh.close();
  });

  it('dials a classmate without waiting when the class has no tutor, or the tutor leaves', () => {
    const alone = meshOfBea();
    alone.mesh.sync(bea, [amy]);
    vi.advanceTimersByTime(classmateDialDelayMs);
    expect(alone.dialled()).toBe(1);
    alone.mesh.close();

    FakePeer.opened = [];
    const left = meshOfBea();
    left.mesh.sync(bea, [tutor, amy]);
    vi.advanceTimersByTime(classmateDialDelayMs);
    expect(left.dialled()).toBe(1);
    left.mesh.sync(bea, [amy]);
    expect(left.dialled()).toBe(2);
    left.mesh.close();
  });

  it('builds no classmate link when students take longer than the longest wait to arrive, while the tutor link opens', () => {
    const { mesh, states, dialled, tutorLinkUp } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    // Three more students over 3 s: past the students' longest wait, within the tutor link's.
    for (let n = 1; n <= 3; n++) {
      vi.advanceTimersByTime(1000);
      mesh.sync(bea, [tutor, amy, ...[later(1), later(2), later(3)].slice(0, n)]);
    }
    tutorLinkUp();
    vi.advanceTimersByTime(classmateDialMaxWaitMs + classmateAfterTutorMaxWaitMs);
    // A star: only the tutor's link was ever opened.
    expect(dialled()).toBe(1);
    expect(FakePeer.opened.every((p) => !p.destroyed)).toBe(true);
    expect(states.get('amy')).toBeNull();
    mesh.close();
  });

  it('drops a waiting dial when it closes, and dials nothing after', () => {
    const { mesh, dialled } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    mesh.close();
    vi.advanceTimersByTime(classmateDialMaxWaitMs);
    expect(dialled()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
