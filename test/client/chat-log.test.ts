import { describe, expect, it } from 'vitest';
import { clockTime, mergeMessages } from '../../src/client/chat/chat-log';
import type { ChatMessage } from '../../src/protocol';

const line = (id: string, createdAt: string, text = id): ChatMessage => ({
  id,
  sessionId: 'class-a',
  userId: 'u',
  userName: 'Ada',
  role: 'student',
  text,
  type: 'text',
  createdAt,
  editedAt: null,
});

describe('mergeMessages', () => {
  it('keeps the server order by time, whatever order they arrive in', () => {
    const merged = mergeMessages([line('b', '2026-11-27T10:00:02.000Z')], [line('c', '2026-11-27T10:00:03.000Z'), line('a', '2026-11-27T09:59:59.999Z')]);
    expect(merged.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  it('equal times keep the order they arrived in', () => {
    const at = '2026-11-27T10:00:00.000Z';
    expect(mergeMessages([line('x', at)], [line('y', at), line('w', at)]).map((m) => m.id)).toEqual(['x', 'y', 'w']);
  });

  it('replaces a message it already has by id (an edit), in place', () => {
    const merged = mergeMessages(
      [line('a', '2026-11-27T10:00:00.000Z'), line('b', '2026-11-27T10:00:01.000Z')],
      [line('a', '2026-11-27T10:00:00.000Z', 'edited')],
    );
    expect(merged.map((m) => [m.id, m.text])).toEqual([
      ['a', 'edited'],
      ['b', 'b'],
    ]);
  });

  it('nothing new: the same array (nothing re-renders)', () => {
    const current = [line('a', '2026-11-27T10:00:00.000Z')];
    expect(mergeMessages(current, [])).toBe(current);
  });
});

describe('clockTime', () => {
  it('hours and minutes of the local time, two digits each', () => {
    const d = new Date(2026, 10, 27, 9, 5, 30);
    expect(clockTime(d.toISOString())).toBe('09:05');
    expect(clockTime(new Date(2026, 10, 27, 23, 59).toISOString())).toBe('23:59');
  });
});
