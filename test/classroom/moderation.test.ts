import { describe, expect, it } from 'vitest';
import { refused } from '../helpers/domain';
import type { ClassControls, JoinSessionInput, Role } from '../../src/protocol';
import {
  askUnmute,
  type ClassState,
  type CommandResult,
  disconnect,
  emptyClass,
  expire,
  giveFloor,
  handQueue,
  isLockedFor,
  join,
  leave,
  lockMedia,
  useMediaServer,
  lowerAllHands,
  lowerHand,
  muteAll,
  muteParticipant,
  raiseHand,
  removeParticipant,
  setMedia,
  takeFloorBack,
} from '../../src/server/classroom/class-state';
import { anyClass, type Identity } from '../../src/server/classroom/identity';
import { can, type ModerationAction, permissionTable } from '../../src/server/classroom/permissions';

const CLASS = 'math-101';

const who = (role: Role, userId: string, name: string, sessionId = CLASS): Identity => ({ userId, name, role, sessionId });

const tutor = who('tutor', 't1', 'Ms Tutor');
const coTutor = who('tutor', 't2', 'Mr Co');
const admin = who('admin', 'a1', 'Admin', anyClass);
const admin2 = who('admin', 'a2', 'Other Admin', anyClass);
const alice = who('student', 's1', 'Alice');
const bob = who('student', 's2', 'Bob');
const carol = who('student', 's3', 'Carol');

const roles: Role[] = ['student', 'tutor', 'admin'];
const rank: Record<Role, number> = { student: 0, tutor: 1, admin: 2 };

/** Joins several people in order, one ms apart (all with camera and microphone on unless said otherwise). */
function classWith(...people: [Identity, string, Partial<JoinSessionInput>?][]): ClassState {
  let state = emptyClass(CLASS);
  people.forEach(([identity, socketId, input], i) => {
    state = join(state, identity, socketId, { sessionId: CLASS, isAudioOn: true, isVideoOn: true, ...input }, 1000 + i).state;
  });
  return state;
}

const find = (state: ClassState, socketId: string) => {
  const p = state.participants.find((x) => x.socketId === socketId);
  if (!p) throw new Error(`${socketId} is not in the class`);
  return p;
};

const controls = (audio: boolean, video: boolean, floorUserId: string | null): ClassControls => ({
  locks: { audio, video },
  floorUserId,
  media: 'direct',
});

/** Every chat line a command wrote: those its events carry, then the others. */
const noteTexts = (res: CommandResult<unknown>) => [...res.events.flatMap((e) => (e.note ? [e.note.text] : [])), ...res.notes.map((n) => n.text)];

// ---------------------------------------------------------------------------------------------

describe('permission table: every role × every moderation action', () => {
  const actions = Object.keys(permissionTable) as ModerationAction[];

  it('covers the new moderation actions', () => {
    expect(actions.sort()).toEqual(
      [
        'ask-unmute',
        'delete-chat-message-of-other',
        'give-floor',
        'lock-media',
        'lower-all-hands',
        'lower-hand-of-other',
        'mute-all',
        'mute-participant',
        'remove-participant',
        'set-media-mode',
      ].sort(),
    );
  });

  it.each(actions)('%s: only tutors and admins, and never on someone of a higher rank', (action) => {
    expect([...permissionTable[action]].sort()).toEqual(['admin', 'tutor']);
    for (const actor of roles) {
      expect(can(actor, action), `${actor} on the class`).toBe(actor !== 'student');
      for (const target of roles) {
        const expected = actor !== 'student' && rank[actor] >= rank[target];
        expect(can(actor, action, target), `${actor} -> ${target}`).toBe(expected);
      }
    }
  });
});

/**
 * A class with one person of each role to act and one of each role to be acted on. Everyone has
 * camera and microphone on and a hand up; Carol holds the floor.
 */
function fullClass(): ClassState {
  let state = classWith(
    [tutor, 'sock-t'],
    [admin, 'sock-a'],
    [bob, 'sock-s2'],
    [alice, 'sock-s1'],
    [coTutor, 'sock-t2'],
    [admin2, 'sock-a2'],
    [carol, 'sock-s3'],
  );
  state = giveFloor(state, 'sock-t', 'sock-s3').state;
  for (const [i, p] of state.participants.entries()) state = raiseHand(state, p.socketId, 2000 + i).state;
  return state;
}

const actorOf: Record<Role, { socketId: string; identity: Identity }> = {
  student: { socketId: 'sock-s2', identity: bob },
  tutor: { socketId: 'sock-t', identity: tutor },
  admin: { socketId: 'sock-a', identity: admin },
};
const targetOf: Record<Role, string> = { student: 'sock-s1', tutor: 'sock-t2', admin: 'sock-a2' };

type TargetedAction = Exclude<
  ModerationAction,
  'mute-all' | 'lower-all-hands' | 'lock-media' | 'delete-chat-message-of-other' | 'set-media-mode'
>;

/** Every command that acts on one participant, keyed by the permission it needs. */
const targeted: Record<TargetedAction, (s: ClassState, actor: string, target: string) => CommandResult<unknown>> = {
  'mute-participant': (s, a, t) => muteParticipant(s, a, t),
  'lower-hand-of-other': (s, a, t) => lowerHand(s, a, t),
  'ask-unmute': (s, a, t) => askUnmute(s, a, t),
  'give-floor': (s, a, t) => giveFloor(s, a, t),
  'remove-participant': (s, a, t) => removeParticipant(s, a, t, 'testing'),
};

/** Every command that acts on the whole class. */
const classWide: Record<string, (s: ClassState, actor: string) => CommandResult<unknown>> = {
  'mute-all': (s, a) => muteAll(s, a),
  'lower-all-hands': (s, a) => lowerAllHands(s, a),
  'lock-media audio': (s, a) => lockMedia(s, a, 'audio', true),
  'lock-media video': (s, a) => lockMedia(s, a, 'video', true),
  'unlock-media audio': (s, a) => lockMedia(s, a, 'audio', false),
  'take-floor-back': (s, a) => takeFloorBack(s, a),
  'set-media-mode': (s, a) => useMediaServer(s, a, { sfuAvailable: true, sfuThreshold: 6 }),
};

describe('moderation commands: who may act on whom', () => {
  const cases = (Object.keys(targeted) as TargetedAction[]).flatMap((action) =>
    roles.flatMap((actor) => roles.map((target) => [action, actor, target] as const)),
  );

  it.each(cases)('%s by a %s on a %s', (action, actor, target) => {
    const state = fullClass();
    const snapshot = structuredClone(state);
    const run = () => targeted[action](state, actorOf[actor].socketId, targetOf[target]);
    if (actor === 'student' || rank[actor] < rank[target]) {
      expect(refused(run).code).toBe('forbidden');
    } else {
      const res = run();
      expect(res.events.length).toBeGreaterThan(0);
      expect(res.notes).toHaveLength(1);
      expect(res.notes[0].by).toEqual({
        userId: actorOf[actor].identity.userId,
        name: actorOf[actor].identity.name,
        role: actor,
      });
    }
    // Pure: the state handed in is never touched, refused or not.
    expect(state).toEqual(snapshot);
  });

  it.each(Object.keys(classWide))('%s: a student is forbidden; a tutor and an admin may', (name) => {
    const state = fullClass();
    const snapshot = structuredClone(state);
    expect(refused(() => classWide[name](state, actorOf.student.socketId)).code).toBe('forbidden');
    for (const actor of ['tutor', 'admin'] as const) {
      const res = classWide[name](state, actorOf[actor].socketId);
      expect(res.notes.map((n) => n.by.userId)).toEqual([actorOf[actor].identity.userId]);
    }
    expect(state).toEqual(snapshot);
  });

  it('an actor or a target outside the class is not_in_session', () => {
    const state = fullClass();
    for (const action of Object.keys(targeted) as TargetedAction[]) {
      expect(refused(() => targeted[action](state, 'sock-t', 'ghost')).code).toBe('not_in_session');
      expect(refused(() => targeted[action](state, 'ghost', 'sock-s1')).code).toBe('not_in_session');
    }
    for (const name of Object.keys(classWide)) expect(refused(() => classWide[name](state, 'ghost')).code).toBe('not_in_session');
  });
});

// ---------------------------------------------------------------------------------------------

describe('lockMedia', () => {
  it('locking microphones mutes every student but the floor holder, and tells the class', () => {
    let state = classWith(
      [tutor, 'sock-t'],
      [admin, 'sock-a'],
      [alice, 'sock-s1'],
      [bob, 'sock-s2', { isAudioOn: false }],
      [carol, 'sock-s3'],
    );
    state = giveFloor(state, 'sock-t', 'sock-s3').state;
    const res = lockMedia(state, 'sock-t', 'audio', true);
    const locked = controls(true, false, 's3');
    expect(res.value).toEqual(locked);
    expect(res.state.controls).toEqual(locked);
    expect(res.events).toEqual([
      { target: { class: CLASS }, event: 'class-updated', payload: locked },
      { target: { socket: 'sock-s1' }, event: 'force-mute', payload: { by: 'Ms Tutor' } },
      {
        target: { class: CLASS },
        event: 'participant-updated',
        payload: { ...find(state, 'sock-s1'), isAudioOn: false },
      },
      // Already muted: told again, but nothing to update.
      { target: { socket: 'sock-s2' }, event: 'force-mute', payload: { by: 'Ms Tutor' } },
    ]);
    const audio = Object.fromEntries(res.state.participants.map((p) => [p.userId, p.isAudioOn]));
    expect(audio).toEqual({ t1: true, a1: true, s1: false, s2: false, s3: true });
    // Cameras untouched.
    expect(res.state.participants.every((p) => p.isVideoOn)).toBe(true);
  });

  it('locking cameras turns off every student camera, the floor holder included', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [carol, 'sock-s3']);
    state = giveFloor(state, 'sock-t', 'sock-s3').state;
    const res = lockMedia(state, 'sock-t', 'video', true);
    expect(res.events.map((e) => [e.event, 'socket' in e.target ? e.target.socket : 'class'])).toEqual([
      ['class-updated', 'class'],
      ['force-video-off', 'sock-s1'],
      ['participant-updated', 'class'],
      ['force-video-off', 'sock-s3'],
      ['participant-updated', 'class'],
    ]);
    expect(res.events[1].payload).toEqual({ by: 'Ms Tutor' });
    const video = Object.fromEntries(res.state.participants.map((p) => [p.userId, p.isVideoOn]));
    expect(video).toEqual({ t1: true, s1: false, s3: false });
    expect(res.state.participants.every((p) => p.isAudioOn)).toBe(true);
  });

  it('unlocking tells the class and turns nobody back on', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    const res = lockMedia(state, 'sock-t', 'audio', false);
    expect(res.value).toEqual(controls(false, false, null));
    expect(res.events).toEqual([{ target: { class: CLASS }, event: 'class-updated', payload: controls(false, false, null) }]);
    expect(find(res.state, 'sock-s1').isAudioOn).toBe(false);
  });

  it('isLockedFor: students only, and the floor holder only for the camera', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [carol, 'sock-s3']);
    state = giveFloor(state, 'sock-t', 'sock-s3').state;
    expect(isLockedFor(state, alice, 'audio')).toBe(false);
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    state = lockMedia(state, 'sock-t', 'video', true).state;
    expect(isLockedFor(state, alice, 'audio')).toBe(true);
    expect(isLockedFor(state, alice, 'video')).toBe(true);
    expect(isLockedFor(state, carol, 'audio')).toBe(false);
    expect(isLockedFor(state, carol, 'video')).toBe(true);
    for (const moderator of [tutor, admin]) {
      expect(isLockedFor(state, moderator, 'audio')).toBe(false);
      expect(isLockedFor(state, moderator, 'video')).toBe(false);
    }
  });
});

describe('setMedia under a lock', () => {
  const lockedClass = () => {
    let state = classWith([tutor, 'sock-t'], [admin, 'sock-a'], [alice, 'sock-s1'], [carol, 'sock-s3']);
    state = giveFloor(state, 'sock-t', 'sock-s3').state;
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    state = lockMedia(state, 'sock-t', 'video', true).state;
    return state;
  };

  it('a locked student may not turn microphone or camera on, but may keep them off', () => {
    const state = lockedClass();
    const snapshot = structuredClone(state);
    expect(refused(() => setMedia(state, 'sock-s1', 'audio', true))).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/microphones are locked/i),
    });
    expect(refused(() => setMedia(state, 'sock-s1', 'video', true))).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/cameras are locked/i),
    });
    expect(state).toEqual(snapshot);
    expect(setMedia(state, 'sock-s1', 'audio', false).value).toMatchObject({ isAudioOn: false });
  });

  it('a tutor and an admin are never locked', () => {
    let state = lockedClass();
    for (const socketId of ['sock-t', 'sock-a']) {
      state = setMedia(state, socketId, 'audio', false).state;
      state = setMedia(state, socketId, 'video', false).state;
      const audio = setMedia(state, socketId, 'audio', true);
      expect(audio.value).toMatchObject({ isAudioOn: true });
      state = audio.state;
      state = setMedia(state, socketId, 'video', true).state;
      expect(find(state, socketId)).toMatchObject({ isAudioOn: true, isVideoOn: true });
    }
  });

  it('the floor holder may unmute while microphones are locked, but not turn the camera on', () => {
    let state = lockedClass();
    state = setMedia(state, 'sock-s3', 'audio', false).state;
    const res = setMedia(state, 'sock-s3', 'audio', true);
    expect(res.value).toMatchObject({ userId: 's3', isAudioOn: true });
    expect(res.events).toEqual([{ target: { class: CLASS }, event: 'participant-updated', payload: res.value }]);
    expect(refused(() => setMedia(res.state, 'sock-s3', 'video', true)).code).toBe('forbidden');
  });

  it('after unlocking, a student may turn them on again', () => {
    let state = lockedClass();
    state = lockMedia(state, 'sock-t', 'audio', false).state;
    state = setMedia(state, 'sock-s1', 'audio', true).state;
    expect(find(state, 'sock-s1').isAudioOn).toBe(true);
    expect(refused(() => setMedia(state, 'sock-s1', 'video', true)).code).toBe('forbidden');
    state = lockMedia(state, 'sock-a', 'video', false).state;
    expect(setMedia(state, 'sock-s1', 'video', true).value).toMatchObject({ isAudioOn: true, isVideoOn: true });
  });
});

describe('giveFloor and takeFloorBack', () => {
  it('giving the floor lowers the hand, sets floorUserId and asks the student to unmute (without unmuting them)', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    state = raiseHand(state, 'sock-s1', 5000).state;
    state = raiseHand(state, 'sock-s2', 5001).state;
    const res = giveFloor(state, 'sock-t', 'sock-s1');
    expect(res.value).toEqual(controls(true, false, 's1'));
    expect(res.state.controls).toEqual(controls(true, false, 's1'));
    const lowered = { ...find(state, 'sock-s1'), isHandRaised: false, handRaisedAt: null };
    expect(res.events).toEqual([
      { target: { class: CLASS }, event: 'class-updated', payload: controls(true, false, 's1') },
      { target: { class: CLASS }, event: 'participant-updated', payload: lowered },
      { target: { socket: 'sock-s1' }, event: 'unmute-requested', payload: { by: 'Ms Tutor' } },
    ]);
    expect(find(res.state, 'sock-s1')).toEqual(lowered);
    expect(lowered.isAudioOn).toBe(false);
    expect(handQueue(res.state).map((p) => p.socketId)).toEqual(['sock-s2']);
  });

  it('giving the floor to a student without a raised hand sends no participant-updated', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    const res = giveFloor(state, 'sock-t', 'sock-s1');
    expect(res.events.map((e) => e.event)).toEqual(['class-updated', 'unmute-requested']);
  });

  it('giving the floor to someone else mutes the previous holder while microphones are locked', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = giveFloor(state, 'sock-t', 'sock-s1').state;
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    expect(find(state, 'sock-s1').isAudioOn).toBe(true);
    const res = giveFloor(state, 'sock-t', 'sock-s2');
    expect(res.state.controls.floorUserId).toBe('s2');
    expect(res.events).toEqual([
      { target: { class: CLASS }, event: 'class-updated', payload: controls(true, false, 's2') },
      { target: { socket: 'sock-s1' }, event: 'force-mute', payload: { by: 'Ms Tutor' } },
      { target: { class: CLASS }, event: 'participant-updated', payload: { ...find(state, 'sock-s1'), isAudioOn: false } },
      { target: { socket: 'sock-s2' }, event: 'unmute-requested', payload: { by: 'Ms Tutor' } },
    ]);
    expect(find(res.state, 'sock-s1').isAudioOn).toBe(false);
    // Exactly one student may speak: the old holder is locked again.
    expect(refused(() => setMedia(res.state, 'sock-s1', 'audio', true)).code).toBe('forbidden');
    expect(setMedia(res.state, 'sock-s2', 'audio', true).value.isAudioOn).toBe(true);
  });

  it('without a microphone lock the previous holder keeps the microphone', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = giveFloor(state, 'sock-t', 'sock-s1').state;
    const res = giveFloor(state, 'sock-t', 'sock-s2');
    expect(res.events.map((e) => e.event)).toEqual(['class-updated', 'unmute-requested']);
    expect(find(res.state, 'sock-s1').isAudioOn).toBe(true);
  });

  it('giving the floor again to the holder does not mute them', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    state = giveFloor(state, 'sock-t', 'sock-s1').state;
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    const res = giveFloor(state, 'sock-t', 'sock-s1');
    expect(res.events.map((e) => e.event)).toEqual(['class-updated', 'unmute-requested']);
    expect(find(res.state, 'sock-s1').isAudioOn).toBe(true);
  });

  it('taking the floor back mutes the holder and clears the floor', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    state = giveFloor(state, 'sock-t', 'sock-s1').state;
    state = setMedia(state, 'sock-s1', 'audio', true).state;
    const res = takeFloorBack(state, 'sock-t');
    expect(res.value).toEqual(controls(true, false, null));
    expect(res.state.controls.floorUserId).toBeNull();
    expect(res.events).toEqual([
      { target: { class: CLASS }, event: 'class-updated', payload: controls(true, false, null) },
      { target: { socket: 'sock-s1' }, event: 'force-mute', payload: { by: 'Ms Tutor' } },
      { target: { class: CLASS }, event: 'participant-updated', payload: { ...find(state, 'sock-s1'), isAudioOn: false } },
    ]);
    expect(refused(() => setMedia(res.state, 'sock-s1', 'audio', true)).code).toBe('forbidden');
  });

  it('a tutor may not take the floor back from an admin holding it (it would mute them); an admin may from a tutor', () => {
    let state = classWith([tutor, 'sock-t'], [admin, 'sock-a'], [admin2, 'sock-a2']);
    state = giveFloor(state, 'sock-a', 'sock-a2').state;
    const snapshot = structuredClone(state);
    expect(refused(() => takeFloorBack(state, 'sock-t')).code).toBe('forbidden');
    expect(state).toEqual(snapshot);
    expect(takeFloorBack(state, 'sock-a').state.controls.floorUserId).toBeNull();
    state = giveFloor(state, 'sock-a', 'sock-t').state;
    const res = takeFloorBack(state, 'sock-a');
    expect(res.state.controls.floorUserId).toBeNull();
    expect(find(res.state, 'sock-t').isAudioOn).toBe(false);
  });

  it('taking the floor back when nobody holds it changes nothing and tells nobody', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    const res = takeFloorBack(state, 'sock-t');
    expect(res.state).toEqual(state);
    expect(res.events).toEqual([]);
    expect(res.notes).toEqual([]);
  });

  it('taking the floor back from a holder who left clears it and mutes nobody', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = giveFloor(state, 'sock-t', 'sock-s1').state;
    state = leave(state, 'sock-s1').state;
    const res = takeFloorBack(state, 'sock-t');
    expect(res.state.controls.floorUserId).toBeNull();
    expect(res.events).toEqual([{ target: { class: CLASS }, event: 'class-updated', payload: controls(false, false, null) }]);
    expect(noteTexts(res)).toEqual(['Ms Tutor took the floor back']);
  });
});

describe('askUnmute', () => {
  it('asks the target only; nobody is unmuted by it', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    state = muteParticipant(state, 'sock-t', 'sock-s1').state;
    const res = askUnmute(state, 'sock-t', 'sock-s1');
    expect(res.events).toEqual([{ target: { socket: 'sock-s1' }, event: 'unmute-requested', payload: { by: 'Ms Tutor' } }]);
    expect(res.state).toEqual(state);
  });
});

describe('removeParticipant', () => {
  const start = () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = giveFloor(state, 'sock-t', 'sock-s1').state;
    return state;
  };

  it('evicts the target, tells them why, tells the others they left, and clears the floor they held', () => {
    const state = start();
    const res = removeParticipant(state, 'sock-t', 'sock-s1', 'spamming the chat');
    expect(res.value).toEqual(find(state, 'sock-s1'));
    expect(res.state.participants.map((p) => p.socketId)).toEqual(['sock-t', 'sock-s2']);
    expect(res.state.removed).toEqual(['s1']);
    expect(res.state.controls).toEqual(controls(false, false, null));
    expect(res.evict).toEqual(['sock-s1']);
    expect(res.events).toEqual([
      { target: { socket: 'sock-s1' }, event: 'removed', payload: { by: 'Ms Tutor', reason: 'spamming the chat' } },
      { target: { class: CLASS, except: 'sock-s1' }, event: 'user-left', payload: { socketId: 'sock-s1' } },
      { target: { class: CLASS }, event: 'class-updated', payload: controls(false, false, null) },
    ]);
  });

  it('without a reason the reason is null, and the floor of someone else stays', () => {
    const res = removeParticipant(start(), 'sock-t', 'sock-s2', undefined);
    expect(res.events).toEqual([
      { target: { socket: 'sock-s2' }, event: 'removed', payload: { by: 'Ms Tutor', reason: null } },
      { target: { class: CLASS, except: 'sock-s2' }, event: 'user-left', payload: { socketId: 'sock-s2' } },
    ]);
    expect(res.state.controls.floorUserId).toBe('s1');
    expect(removeParticipant(start(), 'sock-t', 'sock-s2', '').events[0].payload).toEqual({ by: 'Ms Tutor', reason: null });
  });

  it('a removed user cannot join again, from any socket; others still can', () => {
    const state = removeParticipant(start(), 'sock-t', 'sock-s1', undefined).state;
    for (const socketId of ['sock-s1', 'sock-s1-new']) {
      expect(refused(() => join(state, alice, socketId, { sessionId: CLASS }, 9000))).toMatchObject({
        code: 'forbidden',
        message: expect.stringMatching(/removed/i),
      });
    }
    expect(join(state, carol, 'sock-s3', { sessionId: CLASS }, 9000).state.participants).toHaveLength(3);
  });

  it('the removal outlives everyone leaving', () => {
    let state = removeParticipant(start(), 'sock-t', 'sock-s1', undefined).state;
    state = leave(state, 'sock-s2').state;
    state = leave(state, 'sock-t').state;
    expect(state.participants).toEqual([]);
    expect(refused(() => join(state, alice, 'again', { sessionId: CLASS }, 9000)).code).toBe('forbidden');
  });

  it.each([
    ['tutor', 'sock-t'],
    ['admin', 'sock-a'],
  ])('a %s may not remove themselves', (_role, socketId) => {
    const state = classWith([tutor, 'sock-t'], [admin, 'sock-a'], [alice, 'sock-s1']);
    expect(refused(() => removeParticipant(state, socketId, socketId, undefined)).code).toBe('forbidden');
    expect(state.removed).toEqual([]);
  });

  it('a participant who is reconnecting can be removed, and their grace expiry is then a no-op', () => {
    let state = start();
    state = disconnect(state, 'sock-s2').state;
    const res = removeParticipant(state, 'sock-t', 'sock-s2', undefined);
    expect(res.state.removed).toEqual(['s2']);
    const expired = expire(res.state, 'sock-s2');
    expect(expired.value).toBeNull();
    expect(expired.state).toEqual(res.state);
    expect(expired.events).toEqual([]);
  });
});

describe('lowerAllHands', () => {
  it('lowers every raised hand, tutors included, and counts them', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2'], [carol, 'sock-s3']);
    state = raiseHand(state, 'sock-s2', 10).state;
    state = raiseHand(state, 'sock-t', 20).state;
    state = raiseHand(state, 'sock-s3', 30).state;
    const res = lowerAllHands(state, 'sock-t');
    expect(res.value).toBe(3);
    expect(handQueue(res.state)).toEqual([]);
    expect(res.state.participants.every((p) => !p.isHandRaised && p.handRaisedAt === null)).toBe(true);
    expect(res.events).toEqual(
      ['sock-t', 'sock-s2', 'sock-s3'].map((socketId) => ({
        target: { class: CLASS },
        event: 'participant-updated',
        payload: { ...find(state, socketId), isHandRaised: false, handRaisedAt: null },
      })),
    );
  });

  it("a tutor's lowering all hands leaves an admin's hand up (nobody moderates a higher rank); an admin's lowers every hand", () => {
    let state = classWith([tutor, 'sock-t'], [admin, 'sock-a'], [coTutor, 'sock-t2'], [alice, 'sock-s1']);
    state = raiseHand(state, 'sock-a', 10).state;
    state = raiseHand(state, 'sock-t2', 20).state;
    state = raiseHand(state, 'sock-s1', 30).state;
    const byTutor = lowerAllHands(state, 'sock-t');
    expect(byTutor.value).toBe(2);
    expect(handQueue(byTutor.state).map((p) => p.socketId)).toEqual(['sock-a']);
    expect(byTutor.events.map((e) => (e.payload as { socketId: string }).socketId)).toEqual(['sock-t2', 'sock-s1']);
    const byAdmin = lowerAllHands(state, 'sock-a');
    expect(byAdmin.value).toBe(3);
    expect(handQueue(byAdmin.state)).toEqual([]);
  });

  it('with no hand raised: zero, nothing changes, nobody told', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    const res = lowerAllHands(state, 'sock-t');
    expect(res.value).toBe(0);
    expect(res.state).toEqual(state);
    expect(res.events).toEqual([]);
  });
});

describe('hand queue order', () => {
  it('ties keep join order, whatever order the hands went up in', () => {
    let state = classWith([carol, 'sock-s3'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s2', 100).state;
    state = raiseHand(state, 'sock-s1', 100).state;
    state = raiseHand(state, 'sock-s3', 100).state;
    expect(handQueue(state).map((p) => p.userId)).toEqual(['s3', 's1', 's2']);
  });

  it('earliest first; lowering then raising again goes to the end', () => {
    let state = classWith([alice, 'sock-s1'], [bob, 'sock-s2'], [carol, 'sock-s3']);
    state = raiseHand(state, 'sock-s1', 100).state;
    state = raiseHand(state, 'sock-s2', 200).state;
    state = raiseHand(state, 'sock-s3', 300).state;
    expect(handQueue(state).map((p) => p.userId)).toEqual(['s1', 's2', 's3']);
    state = lowerHand(state, 'sock-s1').state;
    state = raiseHand(state, 'sock-s1', 400).state;
    expect(handQueue(state).map((p) => p.userId)).toEqual(['s2', 's3', 's1']);
  });

  it('a hand lowered by a moderator and raised again goes to the end too', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s1', 100).state;
    state = raiseHand(state, 'sock-s2', 200).state;
    state = lowerHand(state, 'sock-t', 'sock-s1').state;
    state = raiseHand(state, 'sock-s1', 300).state;
    expect(handQueue(state).map((p) => p.userId)).toEqual(['s2', 's1']);
  });

  it('a dropped connection and a replacing join keep the place in the queue', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s1', 100).state;
    state = raiseHand(state, 'sock-s2', 200).state;
    state = disconnect(state, 'sock-s1').state;
    expect(handQueue(state).map((p) => p.userId)).toEqual(['s1', 's2']);
    state = join(state, alice, 'sock-s1-new', { sessionId: CLASS }, 5000).state;
    expect(handQueue(state).map((p) => p.socketId)).toEqual(['sock-s1-new', 'sock-s2']);
  });
});

describe('join never turns on what was off', () => {
  it('muted by a moderator, a replacing join comes in muted even if it asks for the microphone', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    state = muteParticipant(state, 'sock-t', 'sock-s1').state;
    const res = join(state, alice, 'sock-s1-new', { sessionId: CLASS, isAudioOn: true, isVideoOn: true }, 5000);
    expect(res.value).toMatchObject({ socketId: 'sock-s1-new', isAudioOn: false, isVideoOn: true });
  });

  it('the same socket joining again stays muted, and a camera turned off stays off', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    state = setMedia(state, 'sock-s1', 'audio', false).state;
    state = setMedia(state, 'sock-s1', 'video', false).state;
    const again = join(state, alice, 'sock-s1', { sessionId: CLASS, isAudioOn: true, isVideoOn: true }, 5000);
    expect(again.value).toMatchObject({ isAudioOn: false, isVideoOn: false });
    const replaced = join(state, alice, 'other', { sessionId: CLASS }, 5000);
    expect(replaced.value).toMatchObject({ isAudioOn: false, isVideoOn: false });
  });

  it('what was on may be turned off by the joiner', () => {
    const state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    const res = join(state, alice, 'new', { sessionId: CLASS, isAudioOn: false }, 5000);
    expect(res.value).toMatchObject({ isAudioOn: false, isVideoOn: true });
  });

  it('joining while microphones and cameras are locked: a student comes in muted and dark; a tutor does not', () => {
    let state = classWith([tutor, 'sock-t']);
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    state = lockMedia(state, 'sock-t', 'video', true).state;
    const student = join(state, alice, 'sock-s1', { sessionId: CLASS, isAudioOn: true, isVideoOn: true }, 5000);
    expect(student.value).toMatchObject({ isAudioOn: false, isVideoOn: false });
    const co = join(state, coTutor, 'sock-t2', { sessionId: CLASS, isAudioOn: true, isVideoOn: true }, 5000);
    expect(co.value).toMatchObject({ isAudioOn: true, isVideoOn: true });
  });

  it('joining while only microphones are locked: the floor holder keeps their microphone', () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1']);
    state = giveFloor(state, 'sock-t', 'sock-s1').state;
    state = lockMedia(state, 'sock-t', 'audio', true).state;
    const res = join(state, alice, 'sock-s1-new', { sessionId: CLASS, isAudioOn: true }, 5000);
    expect(res.value).toMatchObject({ isAudioOn: true });
  });
});

describe('disconnect and expire', () => {
  const start = () => {
    let state = classWith([tutor, 'sock-t'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s1', 100).state;
    state = muteParticipant(state, 'sock-t', 'sock-s1').state;
    return state;
  };

  it('a dropped connection keeps the slot, shows the person as reconnecting and notes nothing', () => {
    const state = start();
    const res = disconnect(state, 'sock-s1');
    const held = { ...find(state, 'sock-s1'), presence: 'reconnecting' };
    expect(res.value).toEqual(held);
    expect(res.state.participants.map((p) => p.socketId)).toEqual(['sock-t', 'sock-s1', 'sock-s2']);
    expect(find(res.state, 'sock-s1')).toMatchObject({ isHandRaised: true, handRaisedAt: 100, isAudioOn: false });
    expect(res.events).toEqual([{ target: { class: CLASS }, event: 'participant-updated', payload: held }]);
    expect(res.evict).toEqual([]);
    expect(res.notes).toEqual([]);
  });

  it('disconnecting a socket that is not in the class is a no-op', () => {
    const state = start();
    const res = disconnect(state, 'ghost');
    expect(res.value).toBeNull();
    expect(res.state).toEqual(state);
    expect(res.events).toEqual([]);
  });

  it('expiry of a participant still reconnecting: they leave, the others get user-left', () => {
    const state = disconnect(start(), 'sock-s1').state;
    const res = expire(state, 'sock-s1');
    expect(res.value).toMatchObject({ socketId: 'sock-s1', presence: 'reconnecting' });
    expect(res.state.participants.map((p) => p.socketId)).toEqual(['sock-t', 'sock-s2']);
    expect(res.events).toEqual([
      { target: { class: CLASS, except: 'sock-s1' }, event: 'user-left', payload: { socketId: 'sock-s1' }, note: expect.objectContaining({ text: 'Alice left the class' }) },
    ]);
    expect(noteTexts(res)).toEqual(['Alice left the class']);
  });

  it('expiry of someone online (never dropped) is a no-op', () => {
    const state = start();
    const res = expire(state, 'sock-s2');
    expect(res.value).toBeNull();
    expect(res.state).toEqual(state);
    expect(res.events).toEqual([]);
  });

  it('coming back within the grace replaces the old socket (newcomer first) and keeps hand, mute and place', () => {
    const state = disconnect(start(), 'sock-s1').state;
    const res = join(state, alice, 'sock-s1-new', { sessionId: CLASS, isAudioOn: true }, 9000);
    expect(res.value).toMatchObject({
      socketId: 'sock-s1-new',
      presence: 'online',
      isHandRaised: true,
      handRaisedAt: 100,
      isAudioOn: false,
    });
    expect(res.state.participants.filter((p) => p.userId === 's1')).toEqual([res.value]);
    expect(res.events.map((e) => e.event)).toEqual(['user-joined', 'session-replaced', 'user-left']);
    expect(res.events[2]).toEqual({ target: { class: CLASS, except: 'sock-s1' }, event: 'user-left', payload: { socketId: 'sock-s1' } });
    // Coming back is not joining the class again.
    expect(res.notes).toEqual([]);
  });

  it('expiry after a replacing join is a no-op', () => {
    let state = disconnect(start(), 'sock-s1').state;
    state = join(state, alice, 'sock-s1-new', { sessionId: CLASS }, 9000).state;
    const res = expire(state, 'sock-s1');
    expect(res.value).toBeNull();
    expect(res.state).toEqual(state);
    expect(res.events).toEqual([]);
    expect(res.notes).toEqual([]);
  });
});

describe('notes (system chat lines) for each moderation action', () => {
  const start = () => {
    let state = classWith([tutor, 'sock-t'], [admin, 'sock-a'], [alice, 'sock-s1'], [bob, 'sock-s2']);
    state = raiseHand(state, 'sock-s1', 100).state;
    return state;
  };
  const byTutor = { userId: 't1', name: 'Ms Tutor', role: 'tutor' };

  it.each<[string, (s: ClassState) => CommandResult<unknown>, string]>([
    ['mute-participant', (s) => muteParticipant(s, 'sock-t', 'sock-s1'), 'Ms Tutor muted Alice'],
    ['mute-all', (s) => muteAll(s, 'sock-t'), 'Ms Tutor muted all students'],
    ['lower-hand of another', (s) => lowerHand(s, 'sock-t', 'sock-s1'), "Ms Tutor lowered Alice's hand"],
    ['lower-all-hands', (s) => lowerAllHands(s, 'sock-t'), 'Ms Tutor lowered all hands'],
    ['lock microphones', (s) => lockMedia(s, 'sock-t', 'audio', true), 'Ms Tutor locked microphones'],
    ['lock cameras', (s) => lockMedia(s, 'sock-t', 'video', true), 'Ms Tutor locked cameras'],
    ['unlock microphones', (s) => lockMedia(s, 'sock-t', 'audio', false), 'Ms Tutor unlocked microphones'],
    ['unlock cameras', (s) => lockMedia(s, 'sock-t', 'video', false), 'Ms Tutor unlocked cameras'],
    ['ask-unmute', (s) => askUnmute(s, 'sock-t', 'sock-s2'), 'Ms Tutor asked Bob to unmute'],
    ['give-floor', (s) => giveFloor(s, 'sock-t', 'sock-s1'), 'Ms Tutor gave the floor to Alice'],
    [
      'take-floor-back',
      (s) => takeFloorBack(giveFloor(s, 'sock-t', 'sock-s2').state, 'sock-t'),
      'Ms Tutor took the floor back from Bob',
    ],
    ['remove-participant', (s) => removeParticipant(s, 'sock-t', 'sock-s2', 'rude'), 'Ms Tutor removed Bob from the class'],
  ])('%s', (_name, command, text) => {
    const res = command(start());
    expect(res.notes).toEqual([{ text, by: byTutor }]);
  });

  it('an admin’s action is noted in the admin’s name and role', () => {
    const res = muteParticipant(start(), 'sock-a', 'sock-t');
    expect(res.notes).toEqual([{ text: 'Admin muted Ms Tutor', by: { userId: 'a1', name: 'Admin', role: 'admin' } }]);
  });

  it('one’s own media and hand note nothing', () => {
    const state = start();
    expect(lowerHand(state, 'sock-s1').notes).toEqual([]);
    expect(raiseHand(state, 'sock-s2', 5).notes).toEqual([]);
    expect(setMedia(state, 'sock-s2', 'audio', false).notes).toEqual([]);
  });
});
