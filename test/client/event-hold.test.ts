import { describe, expect, it } from 'vitest';
import { EventHold } from '../../src/client/event-hold';

describe('EventHold: the class news a page keeps while its join is on its way', () => {
  it('applies at once when nothing is held', () => {
    const hold = new EventHold();
    const done: number[] = [];
    hold.run(() => done.push(1));
    expect(done).toEqual([1]);
  });

  it('keeps what comes while held and applies it on release, in the order it came', () => {
    const news = new EventHold();
    const done: string[] = [];
    const h = news.hold();
    news.run(() => done.push('joined Ben'));
    news.run(() => done.push('Ben raised a hand'));
    expect(done).toEqual([]);
    done.push('snapshot');
    news.release(h);
    expect(done).toEqual(['snapshot', 'joined Ben', 'Ben raised a hand']);
    news.run(() => done.push('after'));
    expect(done.at(-1)).toBe('after');
  });

  it('forgets what it kept when the join failed', () => {
    const news = new EventHold();
    const done: string[] = [];
    const h = news.hold();
    news.run(() => done.push('from a class we are not in'));
    news.drop(h);
    news.release(h);
    expect(done).toEqual([]);
    news.run(() => done.push('now'));
    expect(done).toEqual(['now']);
  });

  it('a join that was replaced (the socket reconnected and joined again) neither releases nor drops the new one', () => {
    const news = new EventHold();
    const done: string[] = [];
    const first = news.hold();
    news.run(() => done.push('old connection'));
    const second = news.hold();
    news.run(() => done.push('new connection'));
    news.drop(first);
    news.release(first);
    expect(done).toEqual([]);
    news.release(second);
    expect(done).toEqual(['new connection']);
  });
});
