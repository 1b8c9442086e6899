import type { z } from 'zod';
import type { AckCallback } from './errors';
import type {
  ClassControls,
  ChatMessage,
  ChatMessageDeletedEvent,
  clientEventSchemas,
  ExistingUsersEvent,
  ForceMuteEvent,
  Participant,
  ForceVideoOffEvent,
  RemovedEvent,
  SessionEndedEvent,
  UnmuteRequestedEvent,
  SignalEvent,
  UserJoinedEvent,
  UserLeftEvent,
} from './schemas';

type Payload<E extends keyof typeof clientEventSchemas> = z.infer<(typeof clientEventSchemas)[E]>;

/** What each client event's ack carries on success. */
export interface ClientAcks {
  /**
   * `note`: the chat's line about this join (others get it with `user-joined`); none on a rejoin.
   * `users`: everyone else in the class as the join found it, when the join asked `withUsers`.
   */
  'join-session': { self: Participant; controls: ClassControls; note?: ChatMessage; users?: Participant[] };
  'get-session-users': { users: Participant[] };
  signal: object;
  'toggle-audio': { self: Participant };
  'toggle-video': { self: Participant };
  'raise-hand': { self: Participant };
  'lower-hand': { participant: Participant };
  'mute-participant': { participant: Participant };
  'mute-all': { muted: number };
  'leave-session': object;
  /** The page is unloading (a reload or a closed tab): if it does not come back soon, it is gone. */
  'page-closing': object;
  'lower-all-hands': { lowered: number };
  'lock-media': { controls: ClassControls };
  'ask-unmute': object;
  'give-floor': { controls: ClassControls };
  'take-floor-back': { controls: ClassControls };
  'remove-participant': object;
  /** Moves the class to large-class video (the media server) now, before it grows. */
  'set-media-mode': { controls: ClassControls };
  'chat-message': { message: ChatMessage };
  'edit-chat-message': { message: ChatMessage };
  'delete-chat-message': { id: string };
}

export type ClientToServerEvents = {
  [E in keyof ClientAcks]: (payload: Payload<E>, ack: AckCallback<ClientAcks[E]>) => void;
};

export interface ServerToClientEvents {
  /** The newcomer (a Participant), with the chat's line about the join as `note`. */
  'user-joined': (event: z.infer<typeof UserJoinedEvent>) => void;
  'existing-users': (event: z.infer<typeof ExistingUsersEvent>) => void;
  'user-left': (event: z.infer<typeof UserLeftEvent>) => void;
  'participant-updated': (participant: Participant) => void;
  signal: (event: z.infer<typeof SignalEvent>) => void;
  'force-mute': (event: z.infer<typeof ForceMuteEvent>) => void;
  /** This socket was replaced by a newer one of the same user (another tab, a reload). */
  'session-replaced': (event: z.infer<typeof SessionEndedEvent>) => void;
  /** A moderator turned this participant's camera off (a lock). */
  'force-video-off': (event: z.infer<typeof ForceVideoOffEvent>) => void;
  /** A moderator asks this participant to unmute; they choose. */
  'unmute-requested': (event: z.infer<typeof UnmuteRequestedEvent>) => void;
  /** This participant was removed from the class and may not come back. */
  removed: (event: z.infer<typeof RemovedEvent>) => void;
  /** The server is going down (a restart or redeploy): reconnect when it is back. */
  'server-restarting': (event: z.infer<typeof SessionEndedEvent>) => void;
  /** Locks or the floor changed. */
  'class-updated': (controls: ClassControls) => void;
  /** A stored message (the server's id and time). */
  'chat-message': (message: ChatMessage) => void;
  'chat-message-updated': (message: ChatMessage) => void;
  'chat-message-deleted': (event: z.infer<typeof ChatMessageDeletedEvent>) => void;
}

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];
