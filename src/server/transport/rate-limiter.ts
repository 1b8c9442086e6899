import type { ClientEventName } from '../../protocol';

/** Events are limited by kind, so a flood of one kind never starves another. */
export type RateKind = 'signal' | 'chat' | 'hand' | 'moderation' | 'media' | 'session';

export const rateKindOf: Record<ClientEventName, RateKind> = {
  'join-session': 'session',
  'get-session-users': 'session',
  'leave-session': 'session',
  'page-closing': 'session',
  signal: 'signal',
  'toggle-audio': 'media',
  'toggle-video': 'media',
  'raise-hand': 'hand',
  'lower-hand': 'hand',
  'mute-participant': 'moderation',
  'mute-all': 'moderation',
  'lower-all-hands': 'moderation',
  'lock-media': 'moderation',
  'ask-unmute': 'moderation',
  'give-floor': 'moderation',
  'take-floor-back': 'moderation',
  'remove-participant': 'moderation',
  'set-media-mode': 'moderation',
  'chat-message': 'chat',
  'edit-chat-message': 'chat',
  'delete-chat-message': 'chat',
};

export interface Bucket {
  /** Events allowed at once. */
  burst: number;
  /** Events regained per second. */
  perSecond: number;
}

/** Generous for people, tight for scripts: a WebRTC negotiation sends dozens of signals in a burst. */
export const defaultRates: Record<RateKind, Bucket> = {
  signal: { burst: 400, perSecond: 100 },
  chat: { burst: 10, perSecond: 2 },
  hand: { burst: 10, perSecond: 2 },
  moderation: { burst: 20, perSecond: 5 },
  media: { burst: 20, perSecond: 5 },
  session: { burst: 20, perSecond: 5 },
};

export interface RateLimiter {
  /** Takes one token; false when the kind is exhausted. */
  take(kind: RateKind): boolean;
}

/** One socket's token buckets, one per kind. */
export function createRateLimiter(rates: Record<RateKind, Bucket> = defaultRates, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<RateKind, { tokens: number; at: number }>();
  return {
    take(kind) {
      const { burst, perSecond } = rates[kind];
      const t = now();
      const b = buckets.get(kind) ?? { tokens: burst, at: t };
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
      b.at = t;
      buckets.set(kind, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
