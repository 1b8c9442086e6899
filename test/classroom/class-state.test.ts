import { describe, expect, it } from 'vitest';
import { refused } from '../helpers/domain';
import type { JoinSessionInput, Role } from '../../src/protocol';
import {
  type ClassState,
  checkSignal,
  emptyClass,
  handQueue,
  join,
  leave,
  lowerHand,
  muteAll,
  muteParticipant,
  othersOf,
  raiseHand,
  setMedia,
} from '../../src/server/classroom/class-state';
import { anyClass, type Identity } from '../../src/server/classroom/identity';

const CLASS = 'math-101';
const OTHER = 'physics-202';

const who = (role: Role, userId: string, sessionId = CLASS, name = `${role} ${userId}`): Identity => ({
  userId,
  name,
  role,
  sessionId,
});

/** Joins several people in order, one ms apart; returns the final state. */
function classWith(...people: [Identity, string, Partial<JoinSessionInput>?][]): ClassState {
  let state = emptyClass(CLASS);
  people.forEach(([identity, socketId, input], i) => {
    state = join(state, identity, socketId, { sessionId: CLASS, ...input }, 1000 + i).state;
  });
  return state;
}

const tutor = who('tutor', 't1', CLASS, 'Ms Tutor');
const alice = who('student', 's1', CLASS, 'Alice');
const bob = who('student', 's2', CLASS, 'Bob');
const admin = who('admin', 'a1', anyClass, 'Admin');

describe('join', () => {
  it('adds a participant built from the identity and tells everyone else', () => {
    const res = join(emptyClass(CLASS), tutor, 'sock-t', { sessionId: CLASS }, 1234);
    const self = {
      socketId: 'sock-t',
      userId: 't1',
      name: 'Ms Tutor',
      role: 'tutor',
      isAudioOn: true,
      isVideoOn: true,
      isHandRaised: false,
      handRaisedAt: null,
      joinedAt: 1234,
      presence: 'online',
    };
    expect(res.value).toEqual(self);
    expect(res.state).toEqual({ ...emptyClass(CLASS), participants: [self] });
    expect(res.evict).toEqual([]);
    expect(res.events).toEqual([
      {
        target: { class: CLASS, except: 'sock-t' },
        event: 'user-joined',
        payload: self,
        // The chat's line rides on the event: one message per classmate.
        note: { text: 'Ms Tutor joined the class', by: { userId: self.userId, name: 'Ms Tutor', role: 'tutor' } },
      },
    ]);
    expect(res.notes).toEqual([]);
  });

  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['student', alice],
  ])('a %s starts with camera and microphone on unless asked otherwise', (_role, identity) => {
    const on = join(emptyClass(CLASS), identity, 'x', { sessionId: CLASS }, 1).value;
    expect([on.isAudioOn, on.isVideoOn]).toEqual([true, true]);
    const off = join(emptyClass(CLASS), identity, 'x', { sessionId: CLASS, isAudioOn: false, isVideoOn: false }, 1).value;
    expect([off.isAudioOn, off.isVideoOn]).toEqual([false, false]);
  });

  it('an admin joins with camera and microphone off by default, and may publish if asked', () => {
    const watching = join(emptyClass(CLASS), admin, 'sock-a', { sessionId: CLASS }, 1).value;
    expect(watching).toMatchObject({ role: 'admin', isAudioOn: false, isVideoOn: false });
    const publishing = join(emptyClass(CLASS), admin, 'sock-a', { sessionId: CLASS, isAudioOn: true, isVideoOn: true }, 1);
    expect(publishing.value).toMatchObject({ isAudioOn: true, isVideoOn: true });
  });

  it("an admin token ('*') admits any class", () => {
    for (const sessionId of [CLASS, OTHER, 'x']) {
      const res = join(emptyClass(sessionId), admin, 'sock-a', { sessionId }, 1);
      expect(res.state.participants.map((p) => p.userId)).toEqual(['a1']);
    }
  });

  it.each<[Role]>([['tutor'], ['student']])('a %s token for another class is forbidden and changes nothing', (role) => {
    const before = classWith([alice, 'sock-s1']);
    const stranger = who(role, 'u9', OTHER);
    const err = refused(() => join(before, stranger, 'sock-x', { sessionId: CLASS }, 5));
    expect(err.code).toBe('forbidden');
    expect(before.participants.map((p) => p.socketId)).toEqual(['sock-s1']);
  });

  it('keeps join order', () => {
    const state = classWith([bob, 'sock-s2'], [tutor, 'sock-t'], [alice, 'sock-s1']);
    expect(state.participants.map((p) => p.socketId)).toEqual(['sock-s2', 'sock-t', 'sock-s1']);
  });

  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['student', alice],
    ['admin', admin],
  ])('the same %s joining again replaces the older socket: one participant, old one evicted', (_role, identity) => {
    const start = classWith([identity, 'old'], [bob, 'sock-s2']);
    const res = join(start, identity, 'new', { sessionId: CLASS }, 5000);
    expect(res.state.participants.filter((p) => p.userId === identity.userId)).toEqual([res.value]);
    expect(res.state.participants.map((p) => p.socketId)).toEqual(['sock-s2', 'new']);
    expect(res.evict).toEqual(['old']);
    // The newcomer first, so no screen ever shows the person gone.
    expect(res.events).toEqual([
      { target: { class: CLASS, except: 'new' }, event: 'user-joined', payload: res.value },
      { target: { socket: 'old' }, event: 'session-replaced', payload: { reason: expect.any(String) } },
      { target: { class: CLASS, except: 'old' }, event: 'user-left', payload: { socketId: 'old' } },
    ]);
  });

  it('a replacing socket keeps the raised hand and its place in the queue', () => {
    let state = classWith([alice, 'old'], [bob, 'sock-s2']);
    state = raiseHand(state, 'old', 10).state;
    state = raiseHand(state, 'sock-s2', 20).state;
    const res = join(state, alice, 'new', { sessionId: CLASS }, 30);
    expect(res.value).toMatchObject({ isHandRaised: true, handRaisedAt: 10 });
    expect(handQueue(res.state).map((p) => p.socketId)).toEqual(['new', 'sock-s2']);
  });

  it('two different users are two participants even with the same name', () => {
    const twin = who('student', 's3', CLASS, 'Alice');
    const state = classWith([alice, 'a'], [twin, 'b']);
    expect(state.participants).toHaveLength(2);
  });
});

describe('leave', () => {
  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['student', alice],
    ['admin', admin],
  ])('a %s leaving is removed and the others get user-left', (_role, identity) => {
    const start = classWith([bob, 'sock-s2'], [identity, 'me']);
    const res = leave(start, 'me');
    expect(res.value.socketId).toBe('me');
    expect(res.state.participants.map((p) => p.socketId)).toEqual(['sock-s2']);
    expect(res.events).toEqual([
      {
        target: { class: CLASS, except: 'me' },
        event: 'user-left',
        payload: { socketId: 'me' },
        note: { text: `${identity.name} left the class`, by: { userId: identity.userId, name: identity.name, role: identity.role } },
      },
    ]);
    expect(res.notes).toEqual([]);
  });

  it('someone not in the class cannot leave it', () => {
    expect(refused(() => leave(classWith([bob, 'sock-s2']), 'ghost')).code).toBe('not_in_session');
  });
});

describe('othersOf', () => {
  it('is everyone but the caller, in join order', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    expect(othersOf(state, 'sock-s1').map((p) => p.socketId)).toEqual(['sock-t', 'sock-s2']);
    expect(othersOf(state, 'sock-t').map((p) => p.socketId)).toEqual(['sock-s1', 'sock-s2']);
  });

  it('is empty for someone alone, and refused to a non-member', () => {
    const state = classWith([tutor, 'sock-t']);
    expect(othersOf(state, 'sock-t')).toEqual([]);
    expect(refused(() => othersOf(state, 'ghost')).code).toBe('not_in_session');
  });
});

describe('checkSignal', () => {
  const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);

  it('allows a signal between two members, either way', () => {
    expect(() => checkSignal(state, 'sock-t', 'sock-s1')).not.toThrow();
    expect(() => checkSignal(state, 'sock-s1', 'sock-t')).not.toThrow();
  });

  it('refuses a sender that is not a member', () => {
    expect(refused(() => checkSignal(state, 'ghost', 'sock-t')).code).toBe('not_in_session');
  });

  it('refuses a target that is not a member (e.g. someone in another class)', () => {
    expect(refused(() => checkSignal(state, 'sock-t', 'sock-in-other-class')).code).toBe('not_in_session');
  });

  it('refuses a signal to oneself', () => {
    expect(refused(() => checkSignal(state, 'sock-t', 'sock-t')).code).toBe('not_in_session');
  });
});

describe('setMedia', () => {
  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['student', alice],
    ['admin', admin],
  ])('a %s turns its own audio and video off and on; everyone gets participant-updated', (_role, identity) => {
    let state = classWith([identity, 'me', { isAudioOn: true, isVideoOn: true }], [bob, 'sock-s2']);
    const audioOff = setMedia(state, 'me', 'audio', false);
    expect(audioOff.value).toMatchObject({ socketId: 'me', isAudioOn: false, isVideoOn: true });
    expect(audioOff.events).toEqual([{ target: { class: CLASS }, event: 'participant-updated', payload: audioOff.value }]);
    state = audioOff.state;
    const videoOff = setMedia(state, 'me', 'video', false);
    expect(videoOff.value).toMatchObject({ isAudioOn: false, isVideoOn: false });
    state = setMedia(videoOff.state, 'me', 'audio', true).state;
    expect(state.participants.find((p) => p.socketId === 'me')).toMatchObject({ isAudioOn: true, isVideoOn: false });
    // Nobody else changed.
    expect(state.participants.find((p) => p.socketId === 'sock-s2')).toMatchObject({ isAudioOn: true, isVideoOn: true });
  });

  it('is refused to a non-member', () => {
    expect(refused(() => setMedia(classWith([bob, 'sock-s2']), 'ghost', 'audio', false)).code).toBe('not_in_session');
  });
});

describe('raise and lower hand', () => {
  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['student', alice],
    ['admin', admin],
  ])('a %s raises its hand: participant-updated to the whole class', (_role, identity) => {
    const state = classWith([identity, 'me'], [bob, 'sock-s2']);
    const res = raiseHand(state, 'me', 777);
    expect(res.value).toMatchObject({ socketId: 'me', isHandRaised: true, handRaisedAt: 777 });
    expect(res.events).toEqual([{ target: { class: CLASS }, event: 'participant-updated', payload: res.value }]);
  });

  it('raising an already raised hand keeps its place and tells nobody', () => {
    let state = classWith([alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s1', 100).state;
    state = raiseHand(state, 'sock-s2', 200).state;
    const again = raiseHand(state, 'sock-s1', 300);
    expect(again.value.handRaisedAt).toBe(100);
    expect(again.events).toEqual([]);
    expect(handQueue(again.state).map((p) => p.socketId)).toEqual(['sock-s1', 'sock-s2']);
  });

  it('the queue is earliest first; ties keep join order', () => {
    const carol = who('student', 's3', CLASS, 'Carol');
    let state = classWith([alice, 'sock-s1'], [bob, 'sock-s2'], [carol, 'sock-s3']);
    state = raiseHand(state, 'sock-s3', 50).state;
    state = raiseHand(state, 'sock-s2', 100).state;
    state = raiseHand(state, 'sock-s1', 100).state;
    expect(handQueue(state).map((p) => p.socketId)).toEqual(['sock-s3', 'sock-s1', 'sock-s2']);
  });

  it('lowering then raising again goes to the end of the queue', () => {
    let state = classWith([alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s1', 100).state;
    state = raiseHand(state, 'sock-s2', 200).state;
    const lowered = lowerHand(state, 'sock-s1');
    expect(lowered.value).toMatchObject({ isHandRaised: false, handRaisedAt: null });
    expect(lowered.events).toEqual([{ target: { class: CLASS }, event: 'participant-updated', payload: lowered.value }]);
    expect(handQueue(lowered.state).map((p) => p.socketId)).toEqual(['sock-s2']);
    state = raiseHand(lowered.state, 'sock-s1', 300).state;
    expect(handQueue(state).map((p) => p.socketId)).toEqual(['sock-s2', 'sock-s1']);
  });

  it('lowering a hand that is not raised changes nothing and tells nobody', () => {
    const state = classWith([alice, 'sock-s1']);
    const res = lowerHand(state, 'sock-s1');
    expect(res.events).toEqual([]);
    expect(res.state).toEqual(state);
  });

  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['admin', admin],
  ])("a %s lowers a student's hand", (_role, identity) => {
    let state = classWith([identity, 'mod'], [alice, 'sock-s1']);
    state = raiseHand(state, 'sock-s1', 100).state;
    const res = lowerHand(state, 'mod', 'sock-s1');
    expect(res.value).toMatchObject({ socketId: 'sock-s1', isHandRaised: false, handRaisedAt: null });
    expect(res.events).toEqual([{ target: { class: CLASS }, event: 'participant-updated', payload: res.value }]);
    expect(handQueue(res.state)).toEqual([]);
  });

  it("a student may not lower someone else's hand", () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s2', 100).state;
    state = raiseHand(state, 'sock-t', 150).state;
    expect(refused(() => lowerHand(state, 'sock-s1', 'sock-s2')).code).toBe('forbidden');
    expect(refused(() => lowerHand(state, 'sock-s1', 'sock-t')).code).toBe('forbidden');
    expect(handQueue(state).map((p) => p.socketId)).toEqual(['sock-s2', 'sock-t']);
  });

  it("a tutor may not lower an admin's hand; an admin may lower a tutor's", () => {
    let state = classWith([tutor, 'sock-t'], [admin, 'sock-a']);
    state = raiseHand(state, 'sock-t', 1).state;
    state = raiseHand(state, 'sock-a', 2).state;
    expect(refused(() => lowerHand(state, 'sock-t', 'sock-a')).code).toBe('forbidden');
    expect(lowerHand(state, 'sock-a', 'sock-t').value).toMatchObject({ socketId: 'sock-t', isHandRaised: false });
  });

  it('a target outside the class is not_in_session', () => {
    const state = classWith([tutor, 'sock-t']);
    expect(refused(() => lowerHand(state, 'sock-t', 'ghost')).code).toBe('not_in_session');
    expect(refused(() => raiseHand(state, 'ghost', 1)).code).toBe('not_in_session');
  });
});

describe('mute-participant', () => {
  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['admin', admin],
  ])('a %s mutes a student: force-mute to the target, participant-updated to everyone', (_role, identity) => {
    const state = classWith([identity, 'mod'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    const res = muteParticipant(state, 'mod', 'sock-s1');
    expect(res.value).toMatchObject({ socketId: 'sock-s1', isAudioOn: false, isVideoOn: true });
    expect(res.events).toEqual([
      { target: { socket: 'sock-s1' }, event: 'force-mute', payload: { by: identity.name } },
      { target: { class: CLASS }, event: 'participant-updated', payload: res.value },
    ]);
    expect(res.state.participants.find((p) => p.socketId === 'sock-s2')?.isAudioOn).toBe(true);
  });

  it('a student may not mute anyone', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    expect(refused(() => muteParticipant(state, 'sock-s1', 'sock-s2')).code).toBe('forbidden');
    expect(refused(() => muteParticipant(state, 'sock-s1', 'sock-t')).code).toBe('forbidden');
    expect(state.participants.every((p) => p.isAudioOn)).toBe(true);
  });

  it('a tutor may not mute an admin; an admin may mute a tutor', () => {
    const state = classWith([tutor, 'sock-t'], [admin, 'sock-a', { isAudioOn: true }]);
    expect(refused(() => muteParticipant(state, 'sock-t', 'sock-a')).code).toBe('forbidden');
    const res = muteParticipant(state, 'sock-a', 'sock-t');
    expect(res.value).toMatchObject({ socketId: 'sock-t', isAudioOn: false });
    expect(res.events[0]).toEqual({ target: { socket: 'sock-t' }, event: 'force-mute', payload: { by: 'Admin' } });
  });

  it('a target outside the class is not_in_session', () => {
    const state = classWith([tutor, 'sock-t']);
    expect(refused(() => muteParticipant(state, 'sock-t', 'ghost')).code).toBe('not_in_session');
    expect(refused(() => muteParticipant(state, 'ghost', 'sock-t')).code).toBe('not_in_session');
  });
});

describe('mute-all', () => {
  it.each<[Role, Identity]>([
    ['tutor', tutor],
    ['admin', admin],
  ])('a %s mutes every student (and only students)', (_role, identity) => {
    const otherTutor = who('tutor', 't2', CLASS, 'Co-tutor');
    const state = classWith(
      [identity, 'mod', { isAudioOn: true }],
      [alice, 'sock-s1'],
      [bob, 'sock-s2', { isAudioOn: false }],
      [otherTutor, 'sock-t2'],
    );
    const res = muteAll(state, 'mod');
    expect(res.value).toBe(1);
    const after = Object.fromEntries(res.state.participants.map((p) => [p.socketId, p.isAudioOn]));
    expect(after).toEqual({ mod: true, 'sock-s1': false, 'sock-s2': false, 'sock-t2': true });
    expect(res.events).toEqual([
      { target: { socket: 'sock-s1' }, event: 'force-mute', payload: { by: identity.name } },
      {
        target: { class: CLASS },
        event: 'participant-updated',
        payload: expect.objectContaining({ socketId: 'sock-s1', isAudioOn: false }),
      },
      { target: { socket: 'sock-s2' }, event: 'force-mute', payload: { by: identity.name } },
    ]);
  });

  it('a student may not mute all', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    expect(refused(() => muteAll(state, 'sock-s1')).code).toBe('forbidden');
  });

  it('is refused to a non-member', () => {
    expect(refused(() => muteAll(classWith([tutor, 'sock-t']), 'ghost')).code).toBe('not_in_session');
  });
});

describe('purity', () => {
  it('commands never mutate the state they are given', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    const snapshot = structuredClone(state);
    raiseHand(state, 'sock-s1', 1);
    setMedia(state, 'sock-s2', 'video', false);
    muteParticipant(state, 'sock-t', 'sock-s1');
    muteAll(state, 'sock-t');
    leave(state, 'sock-s2');
    join(state, alice, 'new', { sessionId: CLASS }, 9);
    expect(state).toEqual(snapshot);
  });
});

describe('the same socket joining again', () => {
  it('keeps its place and its raised hand, and is announced as an update, not a newcomer', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-a']);
    state = raiseHand(state, 'sock-a', 5000).state;
    const res = join(state, alice, 'sock-a', { sessionId: CLASS, isAudioOn: false }, 9000);
    expect(res.state.participants.filter((p) => p.userId === 's1')).toHaveLength(1);
    expect(res.value).toMatchObject({ isHandRaised: true, handRaisedAt: 5000, joinedAt: 1001, isAudioOn: false });
    expect(res.events.map((e) => e.event)).toEqual(['participant-updated']);
    expect(res.evict).toEqual([]);
  });
});
