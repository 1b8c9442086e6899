import { describe, expect, it } from 'vitest';
import { SfuReplySchema } from '../../src/protocol';
import { isSfuReply } from '../../src/protocol/sfu-peer';

/** The browser's zod-free check must accept exactly what the schema the server builds replies from accepts. */
const samples: unknown[] = [
  { kind: 'answer', link: 'l1', jsep: { type: 'answer', sdp: 'v=0' } },
  { kind: 'offer', link: 'l2', jsep: { type: 'offer', sdp: 'v=0' } },
  { kind: 'closed', link: 'l3', reason: 'left' },
  { kind: 'feed', feed: 's1' },
  { kind: 'talking', feed: 's1', talking: true },
  { kind: 'talking', feed: 's1', talking: 'yes' },
  { kind: 'answer', link: 'l1', jsep: { type: 'pranswer', sdp: 'v=0' } },
  { kind: 'answer', link: 'l1' },
  { kind: 'offer', link: 7, jsep: { type: 'offer', sdp: 'v=0' } },
  { kind: 'closed', link: 'l3' },
  { kind: 'feed' },
  { kind: 'unknown', feed: 's1' },
  { feed: 's1' },
  null,
  'feed',
  [],
];

describe('isSfuReply', () => {
  it.each(samples.map((s) => [JSON.stringify(s), s]))('agrees with SfuReplySchema on %s', (_label, sample) => {
    expect(isSfuReply(sample)).toBe(SfuReplySchema.safeParse(sample).success);
  });
});
