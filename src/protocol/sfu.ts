import { z } from 'zod';
import { limits } from './limits';
import { SocketIdSchema } from './schemas';

export { sfuPeer } from './sfu-peer';

/** One publish or subscribe attempt: replies and closes name it, so a stale reply is ignored. */
const LinkIdSchema = z.string().min(1).max(limits.idLength);

export const JsepSchema = z.object({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().min(1).max(limits.signalBytes),
});
export type Jsep = z.infer<typeof JsepSchema>;

/** What a browser asks of the media server. */
export const SfuRequestSchema = z.discriminatedUnion('kind', [
  /** Send my camera and microphone once, whatever the class size: the offer of a new publisher link. */
  z.object({ kind: z.literal('publish'), link: LinkIdSchema, jsep: JsepSchema }),
  /** Receive one participant's media: the server answers with the media server's offer. */
  z.object({ kind: z.literal('subscribe'), link: LinkIdSchema, feed: SocketIdSchema }),
  /** My answer to a subscription's offer. */
  z.object({ kind: z.literal('answer'), link: LinkIdSchema, jsep: JsepSchema }),
  /** I no longer need this link (off screen, left). */
  z.object({ kind: z.literal('close'), link: LinkIdSchema }),
]);
export type SfuRequest = z.infer<typeof SfuRequestSchema>;

/** What the media server's side says back. */
export const SfuReplySchema = z.discriminatedUnion('kind', [
  /** The media server's answer to a publish. */
  z.object({ kind: z.literal('answer'), link: z.string(), jsep: JsepSchema }),
  /** The media server's offer for a subscription. */
  z.object({ kind: z.literal('offer'), link: z.string(), jsep: JsepSchema }),
  /** The link is gone (its feed left, a kick, an error): open a new one if it is still wanted. */
  z.object({ kind: z.literal('closed'), link: z.string(), reason: z.string() }),
  /** A participant's media is (again) on the media server: subscriptions to it should be renewed. */
  z.object({ kind: z.literal('feed'), feed: z.string() }),
  /** The media server hears a participant speaking, or no longer (its audio level, over about a second). */
  z.object({ kind: z.literal('talking'), feed: z.string(), talking: z.boolean() }),
]);
export type SfuReply = z.infer<typeof SfuReplySchema>;
