import type { SfuReply } from './sfu';

/**
 * The media server's address on the `signal` path: a browser sends `signal { to: sfuPeer, data }`
 * and hears back as `signal { from: sfuPeer, data }`. The server relays to Janus; browsers never reach it.
 */
export const sfuPeer = 'sfu';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isJsep = (x: unknown) => isObject(x) && (x.type === 'offer' || x.type === 'answer') && typeof x.sdp === 'string';

/**
 * Whether a `signal` from `sfuPeer` is a reply the browser understands. Only the server sends as
 * `sfuPeer` (it builds these from `SfuReplySchema`'s type), so the browser checks the shape without
 * zod, which keeps the schema library out of the page's bundle.
 */
export function isSfuReply(data: unknown): data is SfuReply {
  if (!isObject(data)) return false;
  switch (data.kind) {
    case 'answer':
    case 'offer':
      return typeof data.link === 'string' && isJsep(data.jsep);
    case 'closed':
      return typeof data.link === 'string' && typeof data.reason === 'string';
    case 'feed':
      return typeof data.feed === 'string';
    case 'talking':
      return typeof data.feed === 'string' && typeof data.talking === 'boolean';
    default:
      return false;
  }
}
