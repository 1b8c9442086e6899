import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant } from '../../src/protocol';
import { classmateDialDelayMs, classmateDialMaxWaitMs } from '../../src/protocol/topology';

/** A stand-in for simple-peer: the mesh's choices (who is dialled, when) without a browser. */
class FakePeer {
  static opened: FakePeer[] = [];
  destroyed = false;
  constructor(readonly opts: { initiator: boolean }) {
    FakePeer.opened.push(this);
  }
  on() {
    return this;
  }
  signal() {}
  addStream() {}
  removeStream() {}
  removeAllListeners() {
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
  return { mesh, states, reports, dialled: () => FakePeer.opened.filter((p) => p.opts.initiator).length };
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
    const { mesh, states, dialled } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    expect(dialled()).toBe(1);
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
    const { mesh, dialled } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    vi.advanceTimersByTime(classmateDialDelayMs - 100);
    mesh.sync(bea, [tutor, { ...amy, isHandRaised: true, handRaisedAt: 5 }]);
    vi.advanceTimersByTime(100);
    expect(dialled()).toBe(2);
    mesh.close();
  });

  it('reports a waiting link as connecting once, however often the students change while it waits', () => {
    const { mesh, reports } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
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
    const { mesh, dialled } = meshOfBea();
    const visitor = later(1);
    mesh.sync(bea, [tutor, amy]);
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

  it('drops a waiting dial when it closes, and dials nothing after', () => {
    const { mesh, dialled } = meshOfBea();
    mesh.sync(bea, [tutor, amy]);
    mesh.close();
    vi.advanceTimersByTime(classmateDialMaxWaitMs);
    expect(dialled()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
