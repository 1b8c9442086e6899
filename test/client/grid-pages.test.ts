import { describe, expect, it } from 'vitest';
import { orderForLargeClass, pageOf } from '../../src/client/grid-pages';
import type { Participant } from '../../src/protocol';

let joined = 1_000;

/** A student who joined after everyone made before them, quiet and with hands down. */
const person = (name: string, over: Partial<Participant> = {}): Participant => ({
  socketId: `s-${name}`,
  userId: `u-${name}`,
  name,
  role: 'student',
  isAudioOn: false,
  isVideoOn: false,
  isHandRaised: false,
  handRaisedAt: null,
  joinedAt: ++joined,
  presence: 'online',
  ...over,
});

const names = (people: Participant[]) => people.map((p) => p.name);

describe('orderForLargeClass', () => {
  it('keeps join order when nobody stands out', () => {
    const [amy, ben, cat] = [person('amy'), person('ben'), person('cat')];
    expect(names(orderForLargeClass([cat, amy, ben], null))).toEqual(['amy', 'ben', 'cat']);
  });

  it('puts raised hands first, earliest hand first, whatever the join order', () => {
    const amy = person('amy');
    const ben = person('ben', { isHandRaised: true, handRaisedAt: 5_000 });
    const cat = person('cat', { isHandRaised: true, handRaisedAt: 4_000 });
    expect(names(orderForLargeClass([amy, ben, cat], null))).toEqual(['cat', 'ben', 'amy']);
  });

  it('then the floor holder, then open microphones, then the rest', () => {
    const quiet = person('quiet');
    const speaking = person('speaking', { isAudioOn: true });
    const floor = person('floor', { isAudioOn: true });
    const hand = person('hand', { isHandRaised: true, handRaisedAt: 9_000 });
    const late = person('late');
    expect(names(orderForLargeClass([quiet, speaking, floor, hand, late], floor.userId))).toEqual([
      'hand',
      'floor',
      'speaking',
      'quiet',
      'late',
    ]);
  });

  it('puts whoever Janus hears speaking before open microphones that are silent', () => {
    const early = person('early', { isAudioOn: true });
    const talker = person('talker', { isAudioOn: true });
    const hand = person('hand', { isHandRaised: true, handRaisedAt: 1 });
    expect(names(orderForLargeClass([early, talker, hand], null, { [talker.socketId]: true }))).toEqual(['hand', 'talker', 'early']);
  });

  it('shows the tutor and admins before every student', () => {
    const hand = person('hand', { isHandRaised: true, handRaisedAt: 1 });
    const admin = person('admin', { role: 'admin', isAudioOn: true });
    const tutor = person('tutor', { role: 'tutor' });
    expect(names(orderForLargeClass([hand, admin, tutor], null))).toEqual(['tutor', 'admin', 'hand']);
  });

  it('a floor holder with a hand still up counts as a hand', () => {
    const amy = person('amy', { isHandRaised: true, handRaisedAt: 2 });
    const ben = person('ben', { isHandRaised: true, handRaisedAt: 1 });
    expect(names(orderForLargeClass([amy, ben], amy.userId))).toEqual(['ben', 'amy']);
  });

  it('moves only the one who changed: everyone else keeps their relative place', () => {
    const class30 = Array.from({ length: 30 }, (_, i) => person(`s${i}`));
    const before = orderForLargeClass(class30, null);
    const toggled = class30.map((p) => (p.name === 's17' ? { ...p, isAudioOn: true } : p));
    const after = orderForLargeClass(toggled, null);
    expect(after[0]?.name).toBe('s17');
    expect(names(after.slice(1))).toEqual(names(before).filter((n) => n !== 's17'));
  });

  it('breaks a join-time tie by socket id, so every screen agrees', () => {
    const a = person('a', { joinedAt: 7, socketId: 'zz' });
    const b = person('b', { joinedAt: 7, socketId: 'aa' });
    expect(names(orderForLargeClass([a, b], null))).toEqual(['b', 'a']);
    expect(names(orderForLargeClass([b, a], null))).toEqual(['b', 'a']);
  });

  it('does not change the list it is given', () => {
    const list = [person('x'), person('y', { isHandRaised: true, handRaisedAt: 1 })];
    const copy = [...list];
    orderForLargeClass(list, null);
    expect(list).toEqual(copy);
  });
});

describe('pageOf', () => {
  const items = Array.from({ length: 18 }, (_, i) => i);

  it('cuts pages of the given size', () => {
    expect(pageOf(items, 0, 16)).toEqual({ items: items.slice(0, 16), page: 0, pageCount: 2 });
    expect(pageOf(items, 1, 16)).toEqual({ items: [16, 17], page: 1, pageCount: 2 });
  });

  it('uses 16 tiles per page by default', () => {
    expect(pageOf(items, 0).items).toHaveLength(16);
    expect(pageOf(items.slice(0, 16), 0).pageCount).toBe(1);
  });

  it('clamps a page past the end when the class shrinks, and a negative page to the first', () => {
    expect(pageOf(items.slice(0, 10), 3, 4)).toEqual({ items: [8, 9], page: 2, pageCount: 3 });
    expect(pageOf(items, -2, 16).page).toBe(0);
    expect(pageOf(items, Number.NaN, 16).page).toBe(0);
  });

  it('an empty class is one empty page', () => {
    expect(pageOf([], 4, 16)).toEqual({ items: [], page: 0, pageCount: 1 });
  });
});
