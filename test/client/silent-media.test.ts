import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ArrivingTrack, watchForSilence } from '../../src/client/media/silent-media';

class FakeTrack implements ArrivingTrack {
  private listeners = new Set<() => void>();
  constructor(public muted = true) {}
  addEventListener(_type: 'unmute', listener: () => void) {
    this.listeners.add(listener);
  }
  removeEventListener(_type: 'unmute', listener: () => void) {
    this.listeners.delete(listener);
  }
  unmute() {
    this.muted = false;
    for (const l of [...this.listeners]) l();
  }
  get listening() {
    return this.listeners.size;
  }
}

describe('watchForSilence', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reports a stream none of whose tracks had a packet in time, once, and lets go of the tracks', () => {
    const tracks = [new FakeTrack(), new FakeTrack()];
    const silent = vi.fn();
    watchForSilence(tracks, 12_000, silent);
    vi.advanceTimersByTime(11_999);
    expect(silent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(silent).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(silent).toHaveBeenCalledTimes(1);
    expect(tracks.map((t) => t.listening)).toEqual([0, 0]);
  });

  it('is satisfied by any one track unmuting (a tutor heard but not yet seen has media flowing)', () => {
    const tracks = [new FakeTrack(), new FakeTrack()];
    const silent = vi.fn();
    watchForSilence(tracks, 12_000, silent);
    vi.advanceTimersByTime(5000);
    tracks[0].unmute();
    vi.advanceTimersByTime(60_000);
    expect(silent).not.toHaveBeenCalled();
    expect(tracks.map((t) => t.listening)).toEqual([0, 0]);
  });

  it('does not watch a stream whose media already flows', () => {
    const tracks = [new FakeTrack(false), new FakeTrack()];
    const silent = vi.fn();
    watchForSilence(tracks, 12_000, silent);
    vi.advanceTimersByTime(60_000);
    expect(silent).not.toHaveBeenCalled();
    expect(tracks[1].listening).toBe(0);
  });

  it('stops when told to (the link closed first)', () => {
    const tracks = [new FakeTrack()];
    const silent = vi.fn();
    const stop = watchForSilence(tracks, 12_000, silent);
    vi.advanceTimersByTime(3000);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(silent).not.toHaveBeenCalled();
    expect(tracks[0].listening).toBe(0);
  });
});
