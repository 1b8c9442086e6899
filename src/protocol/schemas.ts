import { z } from 'zod';
import { limits } from './limits';

const utf8 = new TextEncoder();

export const RoleSchema = z.enum(['tutor', 'student', 'admin']);
export type Role = z.infer<typeof RoleSchema>;

export const SessionIdSchema = z
  .string()
  .min(1)
  .max(limits.idLength)
  .regex(/^[A-Za-z0-9_-]+$/, 'a class id holds letters, digits, "-" and "_"');
export const SocketIdSchema = z.string().min(1).max(limits.idLength);

export const ParticipantSchema = z.object({
  socketId: z.string(),
  userId: z.string(),
  name: z.string(),
  role: RoleSchema,
  isAudioOn: z.boolean(),
  isVideoOn: z.boolean(),
  isHandRaised: z.boolean(),
  /** ms since epoch, or null */
  handRaisedAt: z.number().nullable(),
  /** ms since epoch: when this socket joined; decides who dials whom after a topology change */
  joinedAt: z.number(),
  /** "reconnecting" while the connection dropped and the participant's slot is held for them */
  presence: z.enum(['online', 'reconnecting']),
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const MediaKindSchema = z.enum(['audio', 'video']);
export type MediaKind = z.infer<typeof MediaKindSchema>;

export const MediaModeSchema = z.enum(['direct', 'sfu']);
export type MediaMode = z.infer<typeof MediaModeSchema>;

/** What the moderators decided for the whole class. */
export const ClassControlsSchema = z.object({
  /** While locked, students cannot turn that kind of media on. */
  locks: z.object({ audio: z.boolean(), video: z.boolean() }),
  /** The user who has the floor: they may speak while microphones are locked. */
  floorUserId: z.string().nullable(),
  /**
   * How video travels: `direct` peer links (a mesh, or a star around the tutor), or `sfu` through
   * the media server for large classes. Once a class is large it stays so until it empties.
   */
  media: MediaModeSchema,
});
export type ClassControls = z.infer<typeof ClassControlsSchema>;

export const ChatMessageSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  userId: z.string(),
  userName: z.string(),
  /** The author's role, for the badge; system messages carry the role of whoever caused them. */
  role: RoleSchema,
  text: z.string(),
  type: z.enum(['text', 'system']),
  /** ISO 8601, stamped by the server (when stored; a join's or leave's line, when announced). */
  createdAt: z.string(),
  /** ISO 8601 of the last edit, or null. */
  editedAt: z.string().nullable(),
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

// ---- client -> server payloads. Unknown keys are stripped, so forged `from` / `userId` fields do nothing.
export const JoinSessionPayload = z.object({
  sessionId: SessionIdSchema,
  isAudioOn: z.boolean().optional(),
  isVideoOn: z.boolean().optional(),
  /** Also answer with the class (`users`, as `get-session-users` would): one round trip less for a page entering a class. */
  withUsers: z.boolean().optional(),
});
export const GetSessionUsersPayload = z.object({ sessionId: SessionIdSchema });
export const SignalPayload = z.object({
  to: SocketIdSchema,
  data: z.unknown().refine((d) => d !== undefined, 'data is required').refine(
    (d) => {
      try {
        // Bytes on the wire, not characters: "é" counts twice.
        return utf8.encode(JSON.stringify(d)).length <= limits.signalBytes;
      } catch {
        return false;
      }
    },
    `signal data is limited to ${limits.signalBytes} bytes`,
  ),
});
export const TogglePayload = z.object({ enabled: z.boolean() });
export const EmptyPayload = z.object({});
export const LowerHandPayload = z.object({ socketId: SocketIdSchema.optional() });
export const MuteParticipantPayload = z.object({ socketId: SocketIdSchema });
export const TargetPayload = z.object({ socketId: SocketIdSchema });
export const LockMediaPayload = z.object({ kind: MediaKindSchema, locked: z.boolean() });
export const RemoveParticipantPayload = z.object({
  socketId: SocketIdSchema,
  reason: z.string().trim().max(200).optional(),
});
export const SetMediaModePayload = z.object({ mode: z.literal('sfu') });
export const ChatTextSchema = z
  .string()
  .min(1)
  .max(limits.chatTextLength)
  .refine((t) => t.trim().length > 0, 'a message needs some text');
export const ChatMessageIdSchema = z.string().min(1).max(limits.idLength);
export const ChatMessagePayload = z.object({ text: ChatTextSchema });
export const EditChatMessagePayload = z.object({ id: ChatMessageIdSchema, text: ChatTextSchema });
export const DeleteChatMessagePayload = z.object({ id: ChatMessageIdSchema });

export type JoinSessionInput = z.infer<typeof JoinSessionPayload>;
export type SignalInput = z.infer<typeof SignalPayload>;

// ---- server -> client payloads
export const ExistingUsersEvent = z.object({ users: z.array(ParticipantSchema) });
/**
 * A join or a leave, with the class chat's system line about it ("Ada joined the class") when there is
 * one: the line comes with the event instead of as a `chat-message` of its own. A reload or a second
 * tab of someone already here has no line.
 */
export const UserJoinedEvent = ParticipantSchema.extend({ note: ChatMessageSchema.optional() });
export const UserLeftEvent = z.object({ socketId: z.string(), note: ChatMessageSchema.optional() });
export const SignalEvent = z.object({ from: z.string(), data: z.unknown() });
export const ForceMuteEvent = z.object({ by: z.string() });
export const SessionEndedEvent = z.object({ reason: z.string() });
export const ForceVideoOffEvent = z.object({ by: z.string() });
export const UnmuteRequestedEvent = z.object({ by: z.string() });
export const RemovedEvent = z.object({ by: z.string(), reason: z.string().nullable() });
export const ChatMessageDeletedEvent = z.object({ id: z.string(), sessionId: z.string() });

/** Every client -> server event and the schema its payload must satisfy. */
export const clientEventSchemas = {
  'join-session': JoinSessionPayload,
  'get-session-users': GetSessionUsersPayload,
  signal: SignalPayload,
  'toggle-audio': TogglePayload,
  'toggle-video': TogglePayload,
  'raise-hand': EmptyPayload,
  'lower-hand': LowerHandPayload,
  'mute-participant': MuteParticipantPayload,
  'mute-all': EmptyPayload,
  'leave-session': EmptyPayload,
  'page-closing': EmptyPayload,
  'lower-all-hands': EmptyPayload,
  'lock-media': LockMediaPayload,
  'ask-unmute': TargetPayload,
  'give-floor': TargetPayload,
  'take-floor-back': EmptyPayload,
  'remove-participant': RemoveParticipantPayload,
  'set-media-mode': SetMediaModePayload,
  'chat-message': ChatMessagePayload,
  'edit-chat-message': EditChatMessagePayload,
  'delete-chat-message': DeleteChatMessagePayload,
} as const;
export type ClientEventName = keyof typeof clientEventSchemas;
