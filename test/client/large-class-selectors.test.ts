import { describe, expect, it } from 'vitest';
import { selectIsCrowded, selectMediaMode, selectParticipantCount } from '../../src/client/selectors';
import { type ClassroomState, initialClassroomState } from '../../src/client/store';
import type { Participant } from '../../src/protocol';

const person = (n: number, over: Partial<Participant> = {}): Participant => ({
  socketId: `s${n}`,
  userId: `u${n}`,
  name: `P${n}`,
  role: 'student',
  isAudioOn: false,
  isVideoOn: false,
  isHandRaised: false,
  handRaisedAt: null,
  joinedAt: n,
  presence: 'online',
  ...over,
});

/** A class of `others` remote participants, seen by a tutor. */
function classOf(others: number): ClassroomState {
  const s = initialClassroomState();
  s.participants.self = person(0, { role: 'tutor' });
  s.participants.others = Object.fromEntries(Array.from({ length: others }, (_, i) => [`s${i + 1}`, person(i + 1)]));
  return s;
}

describe('large-class selectors', () => {
  it('counts everyone, oneself included', () => {
    expect(selectParticipantCount(classOf(3))).toBe(4);
    expect(selectParticipantCount(initialClassroomState())).toBe(0);
  });

  it('counts a reconnecting participant once while their old and new sockets overlap', () => {
    const s = classOf(2);
    s.participants.others.s9 = person(9, { userId: 'u1', socketId: 's9' });
    expect(selectParticipantCount(s)).toBe(3);
  });

  it('calls a class crowded only above the advice threshold (40)', () => {
    expect(selectIsCrowded(classOf(39))).toBe(false);
    expect(selectIsCrowded(classOf(40))).toBe(true);
  });

  it('reads the media mode from the class controls', () => {
    const s = classOf(1);
    expect(selectMediaMode(s)).toBe('direct');
    s.media.controls = { ...s.media.controls, media: 'sfu' };
    expect(selectMediaMode(s)).toBe('sfu');
  });
});
