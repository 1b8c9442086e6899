import { describe, expect, it } from 'vitest';
import { refused } from '../helpers/domain';
import type { Role } from '../../src/protocol';
import {
  andThen,
  type ClassState,
  emptyClass,
  fitMediaToSize,
  forwardingOf,
  join,
  leave,
  type MediaPolicy,
  muteParticipant,
  recordPublication,
  useMediaServer,
} from '../../src/server/classroom/class-state';
import type { Identity } from '../../src/server/classroom/identity';

const CLASS = 'big-class';
const who = (role: Role, userId: string): Identity => ({ userId, name: userId.toUpperCase(), role, sessionId: CLASS });
const withJanus: MediaPolicy = { sfuAvailable: true, sfuThreshold: 6 };
const withoutJanus: MediaPolicy = { sfuAvailable: false, sfuThreshold: 6 };

/** Joins a tutor and then `students` students, each join followed by the size check, as the server does. */
function grow(students: number, policy: MediaPolicy, state: ClassState = emptyClass(CLASS)) {
  const joinOne = (s: ClassState, identity: Identity, socketId: string, at: number) =>
    andThen(join(s, identity, socketId, { sessionId: CLASS }, at), (joined) => fitMediaToSize(joined, policy));
  const results = [joinOne(state, who('tutor', 't'), 'sock-t', 1)];
  for (let i = 1; i <= students; i += 1) results.push(joinOne(results[results.length - 1].state, who('student', `s${i}`), `sock-s${i}`, 1 + i));
  return results;
}

describe('large-class mode', () => {
  it('a class starts with direct links', () => {
    expect(emptyClass(CLASS).controls.media).toBe('direct');
  });

  it('moves to the media server when the students pass the threshold, told to everyone once', () => {
    const steps = grow(8, withJanus);
    expect(steps[6].state.controls.media).toBe('direct');
    const seventh = steps[7];
    expect(seventh.state.controls.media).toBe('sfu');
    // The join's own events come first, then the class-wide news.
    expect(seventh.events.map((e) => e.event)).toEqual(['user-joined', 'class-updated']);
    expect(seventh.events[1]).toMatchObject({ target: { class: CLASS }, payload: { media: 'sfu' } });
    expect(seventh.value.userId).toBe('s7');
    // Once large, further joins change nothing about the mode.
    expect(steps[8].events.map((e) => e.event)).toEqual(['user-joined']);
  });

  it('stays on direct links without a media server, whatever the size', () => {
    const steps = grow(45, withoutJanus);
    expect(steps.every((s) => s.state.controls.media === 'direct')).toBe(true);
    expect(steps.flatMap((s) => s.events).some((e) => e.event === 'class-updated')).toBe(false);
  });

  it('a threshold of 0 starts a class on the media server with its first student', () => {
    const [tutorJoined, firstStudent] = grow(1, { sfuAvailable: true, sfuThreshold: 0 });
    expect(tutorJoined.state.controls.media).toBe('direct');
    expect(firstStudent.state.controls.media).toBe('sfu');
  });

  it('a class created as a large one starts on the media server with its first member', () => {
    const created = { ...withJanus, largeClass: true };
    const [tutorJoined, firstStudent] = grow(1, created);
    expect(tutorJoined.state.controls.media).toBe('sfu');
    expect(tutorJoined.events.map((e) => e.event)).toEqual(['user-joined', 'class-updated']);
    expect(firstStudent.events.map((e) => e.event)).toEqual(['user-joined']);
    // Without a media server, being created large changes nothing.
    expect(grow(10, { ...withoutJanus, largeClass: true }).every((s) => s.state.controls.media === 'direct')).toBe(true);
  });

  it('stays large while people leave (no flapping), and an emptied class starts small again', () => {
    let state = grow(7, withJanus)[7].state;
    for (let i = 1; i <= 5; i += 1) state = leave(state, `sock-s${i}`).state;
    expect(state.controls.media).toBe('sfu');
    expect(fitMediaToSize(state, withJanus).events).toEqual([]);
  });

  it('a tutor or an admin may move the class before it grows; a student may not', () => {
    const state = grow(2, withJanus)[2].state;
    expect(refused(() => useMediaServer(state, 'sock-s1', withJanus)).code).toBe('forbidden');
    const res = useMediaServer(state, 'sock-t', withJanus);
    expect(res.state.controls.media).toBe('sfu');
    expect(res.notes.map((n) => n.text)).toEqual(['T moved the class to large-class video']);
    expect(res.events).toEqual([{ target: { class: CLASS }, event: 'class-updated', payload: res.state.controls }]);
    // Asking again is harmless: nothing to say.
    expect(useMediaServer(res.state, 'sock-t', withJanus).events).toEqual([]);
  });

  it('without a media server, asking for it is refused in words', () => {
    const state = grow(2, withoutJanus)[2].state;
    const err = refused(() => useMediaServer(state, 'sock-t', withoutJanus));
    expect(err.code).toBe('not_found');
    expect(err.message).toMatch(/no media server/);
  });

  it('remembers where each publisher is on the media server, dropping those who left', () => {
    let state = grow(3, withJanus)[3].state;
    state = recordPublication(state, 'sock-s1', { audio: '0', video: '1' }).state;
    state = recordPublication(state, 'sock-s2', { audio: '0', video: null }).state;
    state = leave(state, 'sock-s1').state;
    state = recordPublication(state, 'sock-s3', { audio: '1', video: '0' }).state;
    expect(state.sfuStreams).toEqual({ 'sock-s2': { audio: '0', video: null }, 'sock-s3': { audio: '1', video: '0' } });
    expect(refused(() => recordPublication(state, 'sock-s1', { audio: '0', video: '1' })).code).toBe('not_in_session');
  });

  it('forwards only what the class state says is on: a mute stops the audio', () => {
    const state = grow(2, withJanus)[2].state;
    const muted = muteParticipant(state, 'sock-t', 'sock-s1');
    expect(forwardingOf(muted.value)).toEqual({ socketId: 'sock-s1', audio: false, video: true });
  });
});
