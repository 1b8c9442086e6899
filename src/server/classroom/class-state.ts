import type {
  ClassControls,
  JoinSessionInput,
  MediaKind,
  Participant,
  ServerEventName,
  ServerEventPayload,
} from '../../protocol';
import { forbidden, notInSession, unavailable } from './errors';
import { admits, type Identity } from './identity';
import { authorize, can } from './permissions';

/** One class's live state: plain data, so it can live in memory or in Redis. */
export interface ClassState {
  sessionId: string;
  /** In join order. */
  participants: Participant[];
  controls: ClassControls;
  /** Users removed from the class: they may not join again. */
  removed: string[];
  /** Where each publisher's media sits on the media server (by socket id), so any node can moderate it. */
  sfuStreams?: Record<string, PublishedStreams>;
}

/** The SDP mids of one publisher's audio and video on the media server. */
export interface PublishedStreams {
  audio: string | null;
  video: string | null;
}

export type Target = { class: string; except?: string } | { socket: string };

export interface Outbound<E extends ServerEventName = ServerEventName> {
  target: Target;
  event: E;
  payload: ServerEventPayload<E>;
  /**
   * The chat line this event announces (a join, a leave). It travels inside the event, stored as a
   * system message, rather than as a `chat-message` of its own: one message per classmate, not two.
   */
  note?: ClassNote;
}

/** Something worth a line in the class chat ("Ada muted Ben"), said by whoever caused it. */
export interface ClassNote {
  text: string;
  by: Pick<Participant, 'userId' | 'name' | 'role'>;
}

/**
 * What a command produced: the new state, what to tell whom, sockets to drop, and what to note in the
 * chat (besides the notes its events carry).
 */
export interface CommandResult<T> {
  state: ClassState;
  events: Outbound[];
  /** Sockets superseded by a newer one of the same user, or removed. */
  evict: string[];
  value: T;
  notes: ClassNote[];
}

export const emptyClass = (sessionId: string): ClassState => ({
  sessionId,
  participants: [],
  controls: { locks: { audio: false, video: false }, floorUserId: null, media: 'direct' },
  removed: [],
});

/** A class with nobody in it and nothing decided can be forgotten. */
export const isForgettable = (state: ClassState) =>
  state.participants.length === 0 &&
  state.removed.length === 0 &&
  !state.controls.locks.audio &&
  !state.controls.locks.video;

function send<E extends ServerEventName>(target: Target, event: E, payload: ServerEventPayload<E>): Outbound {
  return { target, event, payload } as Outbound;
}

export const requireMember = (state: ClassState, socketId: string) => member(state, socketId);

/** Runs a second command on the first's state, as one: its events follow, the first's value is kept. */
export function andThen<T>(first: CommandResult<T>, next: (state: ClassState) => CommandResult<unknown>): CommandResult<T> {
  const second = next(first.state);
  return {
    state: second.state,
    value: first.value,
    events: [...first.events, ...second.events],
    evict: [...first.evict, ...second.evict],
    notes: [...first.notes, ...second.notes],
  };
}

function member(state: ClassState, socketId: string): Participant {
  const found = state.participants.find((p) => p.socketId === socketId);
  if (!found) throw notInSession();
  return found;
}

function replace(state: ClassState, next: Participant): ClassState {
  return {
    ...state,
    participants: state.participants.map((p) => (p.socketId === next.socketId ? next : p)),
  };
}

function result<T>(state: ClassState, value: T, events: Outbound[] = [], evict: string[] = []): CommandResult<T> {
  return { state, value, events, evict, notes: [] };
}

const note = (by: Participant, text: string): ClassNote => ({
  text,
  by: { userId: by.userId, name: by.name, role: by.role },
});

const mediaWord: Record<MediaKind, string> = { audio: 'microphones', video: 'cameras' };

/** Whether a lock keeps this participant from turning this media on. */
export function isLockedFor(state: ClassState, p: Pick<Participant, 'userId' | 'role'>, kind: MediaKind): boolean {
  if (p.role !== 'student' || !state.controls.locks[kind]) return false;
  return !(kind === 'audio' && state.controls.floorUserId === p.userId);
}

export function join(
  state: ClassState,
  identity: Identity,
  socketId: string,
  input: JoinSessionInput,
  now: number,
): CommandResult<Participant> {
  if (!admits(identity, input.sessionId)) throw forbidden('this link is for another class');
  if (state.removed.includes(identity.userId)) throw forbidden('You were removed from this class.');
  const events: Outbound[] = [];
  const evict: string[] = [];
  const again = state.participants.find((p) => p.socketId === socketId);
  const previous = state.participants.find((p) => p.userId === identity.userId && p.socketId !== socketId);
  const earlier = again ?? previous;
  let participants = state.participants.filter((p) => p.socketId !== socketId);
  if (previous) participants = participants.filter((p) => p.socketId !== previous.socketId);

  const wantsAudio = input.isAudioOn ?? identity.role !== 'admin';
  const wantsVideo = input.isVideoOn ?? identity.role !== 'admin';
  const self: Participant = {
    socketId,
    userId: identity.userId,
    name: identity.name,
    role: identity.role,
    // Coming back never turns on what was off (a mute sticks through a reload), nor what a lock forbids.
    isAudioOn: wantsAudio && (earlier?.isAudioOn ?? true) && !isLockedFor(state, identity, 'audio'),
    isVideoOn: wantsVideo && (earlier?.isVideoOn ?? true) && !isLockedFor(state, identity, 'video'),
    isHandRaised: earlier?.isHandRaised ?? false,
    handRaisedAt: earlier?.handRaisedAt ?? null,
    joinedAt: again?.joinedAt ?? now,
    presence: 'online',
  };
  participants.push(self);
  if (again) {
    // The same socket joining again is an update, not a newcomer.
    events.push(send({ class: state.sessionId }, 'participant-updated', self));
  } else {
    const joined = send({ class: state.sessionId, except: socketId }, 'user-joined', self);
    // A reload or a second tab is the same person still here: no line in the chat.
    events.push(earlier ? joined : { ...joined, note: note(self, `${self.name} joined the class`) });
  }
  if (previous) {
    // Same person from a reload, a reconnect or a second tab: one tile, the newest socket wins.
    // The newcomer is announced first, so a screen never shows the person gone.
    evict.push(previous.socketId);
    events.push(send({ socket: previous.socketId }, 'session-replaced', { reason: 'You joined this class from another tab or device.' }));
    events.push(send({ class: state.sessionId, except: previous.socketId }, 'user-left', { socketId: previous.socketId }));
  }
  return result({ ...state, participants }, self, events, evict);
}

export function leave(state: ClassState, socketId: string): CommandResult<Participant> {
  const self = member(state, socketId);
  const next = { ...state, participants: state.participants.filter((p) => p.socketId !== socketId) };
  const left = send({ class: state.sessionId, except: socketId }, 'user-left', { socketId });
  return result(next, self, [{ ...left, note: note(self, `${self.name} left the class`) }]);
}

/** The connection dropped: hold the slot (hand, mute, place) and show the person as reconnecting. */
export function disconnect(state: ClassState, socketId: string): CommandResult<Participant | null> {
  const self = state.participants.find((p) => p.socketId === socketId);
  if (!self) return result(state, null);
  return updated(state, { ...self, presence: 'reconnecting' });
}

/** The grace period ended: a participant still reconnecting on that socket leaves for good. */
export function expire(state: ClassState, socketId: string): CommandResult<Participant | null> {
  const self = state.participants.find((p) => p.socketId === socketId);
  if (!self || self.presence !== 'reconnecting') return result(state, null);
  return leave(state, socketId);
}

/** Everyone but the caller. */
export function othersOf(state: ClassState, socketId: string): Participant[] {
  member(state, socketId);
  return state.participants.filter((p) => p.socketId !== socketId);
}

/** A signal goes only between two members of the same class. */
export function checkSignal(state: ClassState, from: string, to: string): void {
  member(state, from);
  if (from === to) throw notInSession('a signal goes to someone else');
  member(state, to);
}

export function setMedia(state: ClassState, socketId: string, kind: MediaKind, enabled: boolean): CommandResult<Participant> {
  const self = member(state, socketId);
  if (enabled && isLockedFor(state, self, kind)) {
    throw forbidden(kind === 'audio' ? 'Microphones are locked by the tutor.' : 'Cameras are locked by the tutor.');
  }
  const next = kind === 'audio' ? { ...self, isAudioOn: enabled } : { ...self, isVideoOn: enabled };
  return updated(state, next);
}

export function raiseHand(state: ClassState, socketId: string, now: number): CommandResult<Participant> {
  const self = member(state, socketId);
  // Raising an already raised hand keeps its place in the queue.
  if (self.isHandRaised) return result(state, self);
  return updated(state, { ...self, isHandRaised: true, handRaisedAt: now });
}

export function lowerHand(state: ClassState, actorSocketId: string, targetSocketId?: string): CommandResult<Participant> {
  const actor = member(state, actorSocketId);
  const target = targetSocketId ? member(state, targetSocketId) : actor;
  if (target.socketId !== actor.socketId) authorize(actor.role, 'lower-hand-of-other', target.role);
  if (!target.isHandRaised) return result(state, target);
  const res = updated(state, { ...target, isHandRaised: false, handRaisedAt: null });
  if (target.socketId !== actor.socketId) res.notes.push(note(actor, `${actor.name} lowered ${target.name}'s hand`));
  return res;
}

export function lowerAllHands(state: ClassState, actorSocketId: string): CommandResult<number> {
  const actor = member(state, actorSocketId);
  authorize(actor.role, 'lower-all-hands');
  const res = result(state, 0);
  for (const p of state.participants) {
    if (!p.isHandRaised) continue;
    // Nobody moderates someone above them: a tutor lowering all hands leaves an admin's hand up.
    if (p.socketId !== actor.socketId && !can(actor.role, 'lower-hand-of-other', p.role)) continue;
    putHandDown(res, p);
    res.value += 1;
  }
  res.notes.push(note(actor, `${actor.name} lowered all hands`));
  return res;
}

/** Lowers a hand inside a larger command, on the state as that command has left it. */
function putHandDown(res: CommandResult<unknown>, target: Participant): void {
  const lowered = { ...member(res.state, target.socketId), isHandRaised: false, handRaisedAt: null };
  res.state = replace(res.state, lowered);
  res.events.push(send({ class: res.state.sessionId }, 'participant-updated', lowered));
}

/** Turns a participant's microphone (or camera) off on the server's say, and tells them. */
function forceOff(res: CommandResult<unknown>, target: Participant, kind: MediaKind, by: Participant): void {
  const current = res.state.participants.find((p) => p.socketId === target.socketId) ?? target;
  res.events.push(
    kind === 'audio'
      ? send({ socket: target.socketId }, 'force-mute', { by: by.name })
      : send({ socket: target.socketId }, 'force-video-off', { by: by.name }),
  );
  if (!(kind === 'audio' ? current.isAudioOn : current.isVideoOn)) return;
  const next = kind === 'audio' ? { ...current, isAudioOn: false } : { ...current, isVideoOn: false };
  res.state = replace(res.state, next);
  res.events.push(send({ class: res.state.sessionId }, 'participant-updated', next));
}

export function muteParticipant(state: ClassState, actorSocketId: string, targetSocketId: string): CommandResult<Participant> {
  const actor = member(state, actorSocketId);
  const target = member(state, targetSocketId);
  authorize(actor.role, 'mute-participant', target.role);
  const res = result(state, target);
  forceOff(res, target, 'audio', actor);
  res.value = member(res.state, target.socketId);
  res.notes.push(note(actor, `${actor.name} muted ${target.name}`));
  return res;
}

export function muteAll(state: ClassState, actorSocketId: string): CommandResult<number> {
  const actor = member(state, actorSocketId);
  authorize(actor.role, 'mute-all');
  const res = result(state, 0);
  for (const p of state.participants) {
    if (p.role !== 'student') continue;
    if (p.isAudioOn) res.value += 1;
    forceOff(res, p, 'audio', actor);
  }
  res.notes.push(note(actor, `${actor.name} muted all students`));
  return res;
}

function controlsChanged(res: CommandResult<unknown>, controls: ClassControls): void {
  res.state = { ...res.state, controls };
  res.events.push(send({ class: res.state.sessionId }, 'class-updated', controls));
}

/** Locking turns that media off for every student at once (but the floor holder's microphone). */
export function lockMedia(state: ClassState, actorSocketId: string, kind: MediaKind, locked: boolean): CommandResult<ClassControls> {
  const actor = member(state, actorSocketId);
  authorize(actor.role, 'lock-media');
  const res = result(state, state.controls);
  controlsChanged(res, { ...state.controls, locks: { ...state.controls.locks, [kind]: locked } });
  if (locked) {
    for (const p of state.participants) if (isLockedFor(res.state, p, kind)) forceOff(res, p, kind, actor);
  }
  res.value = res.state.controls;
  res.notes.push(note(actor, `${actor.name} ${locked ? 'locked' : 'unlocked'} ${mediaWord[kind]}`));
  return res;
}

export function askUnmute(state: ClassState, actorSocketId: string, targetSocketId: string): CommandResult<object> {
  const actor = member(state, actorSocketId);
  const target = member(state, targetSocketId);
  authorize(actor.role, 'ask-unmute', target.role);
  const res = result(state, {}, [send({ socket: target.socketId }, 'unmute-requested', { by: actor.name })]);
  res.notes.push(note(actor, `${actor.name} asked ${target.name} to unmute`));
  return res;
}

/** The floor: one student may speak even while microphones are locked; their hand goes down. */
export function giveFloor(state: ClassState, actorSocketId: string, targetSocketId: string): CommandResult<ClassControls> {
  const actor = member(state, actorSocketId);
  const target = member(state, targetSocketId);
  authorize(actor.role, 'give-floor', target.role);
  const res = result(state, state.controls);
  const holder = state.participants.find((p) => p.userId === state.controls.floorUserId && p.userId !== target.userId);
  controlsChanged(res, { ...state.controls, floorUserId: target.userId });
  // Exactly one student has the floor: the previous holder goes back under the lock.
  if (holder && isLockedFor(res.state, holder, 'audio')) forceOff(res, holder, 'audio', actor);
  if (target.isHandRaised) putHandDown(res, target);
  res.events.push(send({ socket: target.socketId }, 'unmute-requested', { by: actor.name }));
  res.value = res.state.controls;
  res.notes.push(note(actor, `${actor.name} gave the floor to ${target.name}`));
  return res;
}

export function takeFloorBack(state: ClassState, actorSocketId: string): CommandResult<ClassControls> {
  const actor = member(state, actorSocketId);
  authorize(actor.role, 'give-floor');
  const holder = state.participants.find((p) => p.userId === state.controls.floorUserId);
  // Taking the floor back mutes the holder: not someone who outranks the actor.
  if (holder) authorize(actor.role, 'give-floor', holder.role);
  const res = result(state, state.controls);
  if (!state.controls.floorUserId) return res;
  controlsChanged(res, { ...state.controls, floorUserId: null });
  if (holder) forceOff(res, holder, 'audio', actor);
  res.value = res.state.controls;
  res.notes.push(note(actor, `${actor.name} took the floor back${holder ? ` from ${holder.name}` : ''}`));
  return res;
}

export function removeParticipant(
  state: ClassState,
  actorSocketId: string,
  targetSocketId: string,
  reason: string | undefined,
): CommandResult<Participant> {
  const actor = member(state, actorSocketId);
  const target = member(state, targetSocketId);
  if (target.socketId === actor.socketId) throw forbidden('use leave to leave the class');
  authorize(actor.role, 'remove-participant', target.role);
  const controls =
    state.controls.floorUserId === target.userId ? { ...state.controls, floorUserId: null } : state.controls;
  const next: ClassState = {
    ...state,
    controls,
    participants: state.participants.filter((p) => p.socketId !== target.socketId),
    removed: [...state.removed, target.userId],
  };
  const res = result(next, target, [
    send({ socket: target.socketId }, 'removed', { by: actor.name, reason: reason || null }),
    send({ class: state.sessionId, except: target.socketId }, 'user-left', { socketId: target.socketId }),
  ], [target.socketId]);
  if (controls !== state.controls) res.events.push(send({ class: state.sessionId }, 'class-updated', controls));
  res.notes.push(note(actor, `${actor.name} removed ${target.name} from the class`));
  return res;
}

/** When a class moves to the media server: only if there is one, and once past the threshold. */
export interface MediaPolicy {
  sfuAvailable: boolean;
  /** Students beyond this many move the class to the media server; 0 starts every class there. */
  sfuThreshold: number;
  /** This class was created as a large one: it starts on the media server, whatever its size. */
  largeClass?: boolean;
}

const studentCount = (state: ClassState) => state.participants.filter((p) => p.role === 'student').length;

function toSfu(state: ClassState, by: Participant | null): CommandResult<ClassControls> {
  const res = result(state, state.controls);
  if (state.controls.media === 'sfu') return res;
  controlsChanged(res, { ...state.controls, media: 'sfu' });
  res.value = res.state.controls;
  if (by) res.notes.push(note(by, `${by.name} moved the class to large-class video`));
  return res;
}

/**
 * A class that grew past the threshold, or was created as a large one, moves to the media server
 * (and stays there until it empties).
 */
export function fitMediaToSize(state: ClassState, policy: MediaPolicy): CommandResult<ClassControls> {
  if (!policy.sfuAvailable || state.participants.length === 0) return result(state, state.controls);
  if (!policy.largeClass && studentCount(state) <= policy.sfuThreshold) return result(state, state.controls);
  return toSfu(state, null);
}

/** A tutor who expects a large class moves it to the media server before it grows. */
export function useMediaServer(state: ClassState, actorSocketId: string, policy: MediaPolicy): CommandResult<ClassControls> {
  const actor = member(state, actorSocketId);
  authorize(actor.role, 'set-media-mode');
  if (!policy.sfuAvailable) throw unavailable('Large-class video is not set up on this server (no media server).');
  return toSfu(state, actor);
}

/** A member's media reached the media server: remember where, for moderation from any node. */
export function recordPublication(state: ClassState, socketId: string, streams: PublishedStreams): CommandResult<Participant> {
  const self = member(state, socketId);
  const present = new Set(state.participants.map((p) => p.socketId));
  // Entries of sockets that have left go at the same time, so the record stays the class's size.
  const kept = Object.entries(state.sfuStreams ?? {}).filter(([id]) => present.has(id) && id !== socketId);
  return result({ ...state, sfuStreams: Object.fromEntries([...kept, [socketId, streams]]) }, self);
}

/** What the media server may forward of one participant: only what the class state says is on. */
export interface Forwarding {
  socketId: string;
  audio: boolean;
  video: boolean;
}

export const forwardingOf = (p: Participant): Forwarding => ({
  socketId: p.socketId,
  audio: p.isAudioOn,
  video: p.isVideoOn,
});

/** The raised hands, earliest first; ties keep join order. */
export function handQueue(state: ClassState): Participant[] {
  return state.participants
    .filter((p) => p.isHandRaised)
    .sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0));
}

function updated(state: ClassState, next: Participant): CommandResult<Participant> {
  return result(replace(state, next), next, [send({ class: state.sessionId }, 'participant-updated', next)]);
}
