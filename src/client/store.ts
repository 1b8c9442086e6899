import { createStore } from 'zustand/vanilla';
import type { ChatMessage, ClassControls, Participant } from '../protocol';

/** The state of one media link to another participant, as a tile shows it. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'failed';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** Why the class page is not showing the class. */
export type Ending =
  | { kind: 'left' }
  | { kind: 'replaced'; message: string }
  | { kind: 'removed'; message: string }
  | { kind: 'refused'; message: string };

export interface ParticipantsSlice {
  self: Participant | null;
  /** Everyone else in the class, by socket id. */
  others: Record<string, Participant>;
  links: Record<string, LinkState>;
  /** Who the media server hears speaking now, by socket id (large classes only). */
  speaking: Record<string, true>;
}

export interface MediaSlice {
  audioOn: boolean;
  videoOn: boolean;
  hasMicrophone: boolean;
  hasCamera: boolean;
  /** Why the camera or microphone is unavailable, in words. */
  deviceProblem: string | null;
  /** Browsers block sound until a click; the page offers one. */
  soundBlocked: boolean;
  /** The class's locks and floor, as the moderators set them. */
  controls: ClassControls;
}

/** A message typed here that the server has not stored yet, or refused to. */
export interface OutgoingMessage {
  clientId: string;
  text: string;
  status: 'pending' | 'failed';
  error: string | null;
}

export interface ChatSlice {
  /** Stored messages, oldest first. */
  messages: ChatMessage[];
  outgoing: OutgoingMessage[];
  /** Whether older messages may exist beyond the first one shown. */
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Messages from others that arrived while the panel was hidden. */
  unread: number;
  open: boolean;
}

export interface UiSlice {
  status: ConnectionStatus;
  ending: Ending | null;
  /** A short message for the user (a force-mute, a failed command). */
  notice: string | null;
  /** A moderator asked us to unmute: who, until we answer. */
  unmuteRequestBy: string | null;
  /** The last thing announced to screen readers (a hand went up). */
  announcement: string | null;
}

export interface ClassroomState {
  participants: ParticipantsSlice;
  media: MediaSlice;
  chat: ChatSlice;
  ui: UiSlice;
}

export const initialClassroomState = (): ClassroomState => ({
  participants: { self: null, others: {}, links: {}, speaking: {} },
  media: {
    audioOn: false,
    videoOn: false,
    hasMicrophone: false,
    hasCamera: false,
    deviceProblem: null,
    soundBlocked: false,
    controls: { locks: { audio: false, video: false }, floorUserId: null, media: 'direct' },
  },
  chat: { messages: [], outgoing: [], hasOlder: false, loadingOlder: false, unread: 0, open: true },
  ui: { status: 'connecting', ending: null, notice: null, unmuteRequestBy: null, announcement: null },
});

export const createClassroomStore = () => createStore<ClassroomState>(() => initialClassroomState());
export type ClassroomStore = ReturnType<typeof createClassroomStore>;

// Updaters: the session client writes through these, one slice at a time.
export const patchParticipants = (store: ClassroomStore, fn: (s: ParticipantsSlice) => Partial<ParticipantsSlice>) =>
  store.setState((s) => ({ participants: { ...s.participants, ...fn(s.participants) } }));
export const patchMedia = (store: ClassroomStore, patch: Partial<MediaSlice>) =>
  store.setState((s) => ({ media: { ...s.media, ...patch } }));
export const patchChat = (store: ClassroomStore, fn: (s: ChatSlice) => Partial<ChatSlice>) =>
  store.setState((s) => ({ chat: { ...s.chat, ...fn(s.chat) } }));
export const patchUi = (store: ClassroomStore, patch: Partial<UiSlice>) =>
  store.setState((s) => ({ ui: { ...s.ui, ...patch } }));

export function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const { [key]: _gone, ...rest } = record;
  return rest;
}
