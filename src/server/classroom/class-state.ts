import type { JoinSessionInput, Participant, ServerEventName, ServerEventPayload } from '../../protocol';
import { forbidden, notInSession } from './errors';
import { admits, type Identity } from './identity';
import { authorize } from './permissions';

/** One class's live state: plain data, so it can live in memory or in Redis. */
export interface ClassState {
  sessionId: string;
  /** In join order. */
  participants: Participant[];
}

export type Target = { class: string; except?: string } | { socket: string };

export interface Outbound<E extends ServerEventName = ServerEventName> {
  target: Target;
  event: E;
  payload: ServerEventPayload<E>;
}

/** Something worth a line in the class chat ("Ada muted Ben"), said by whoever caused it. */
export interface ClassNote {
  text: string;
  by: Pick<Participant, 'userId' | 'name' | 'role'>;
}

/** What a command produced: the new state, what to tell whom, sockets to drop, and what to note in the chat. */
export interface CommandResult<T> {
  state: ClassState;
  events: Outbound[];
  /** Sockets superseded by a newer one of the same user. */
  evict: string[];
  value: T;
  notes: ClassNote[];
}

export const emptyClass = (sessionId: string): ClassState => ({ sessionId, participants: [] });

function send<E extends ServerEventName>(target: Target, event: E, payload: ServerEventPayload<E>): Outbound {
  return { target, event, payload } as Outbound;
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

export function join(
  state: ClassState,
  identity: Identity,
  socketId: string,
  input: JoinSessionInput,
  now: number,
): CommandResult<Participant> {
  if (!admits(identity, input.sessionId)) throw forbidden('this link is for another class');
  const events: Outbound[] = [];
  const evict: string[] = [];
  const again = state.participants.find((p) => p.socketId === socketId);
  const previous = state.participants.find((p) => p.userId === identity.userId && p.socketId !== socketId);
  let participants = state.participants.filter((p) => p.socketId !== socketId);
  if (previous) {
    // Same person from a reload or a second tab: one tile, the newest socket wins.
    participants = participants.filter((p) => p.socketId !== previous.socketId);
    evict.push(previous.socketId);
    events.push(send({ socket: previous.socketId }, 'session-replaced', { reason: 'You joined this class from another tab or device.' }));
    events.push(send({ class: state.sessionId, except: previous.socketId }, 'user-left', { socketId: previous.socketId }));
  }
  const self: Participant = {
    socketId,
    userId: identity.userId,
    name: identity.name,
    role: identity.role,
    // An admin watches unless they choose to publish.
    isAudioOn: input.isAudioOn ?? identity.role !== 'admin',
    isVideoOn: input.isVideoOn ?? identity.role !== 'admin',
    isHandRaised: (again ?? previous)?.isHandRaised ?? false,
    handRaisedAt: (again ?? previous)?.handRaisedAt ?? null,
    joinedAt: again?.joinedAt ?? now,
  };
  participants.push(self);
  // The same socket joining again is an update, not a newcomer.
  if (again) events.push(send({ class: state.sessionId }, 'participant-updated', self));
  else events.push(send({ class: state.sessionId, except: socketId }, 'user-joined', self));
  const res = result({ ...state, participants }, self, events, evict);
  // A reload or a second tab is the same person still here: nothing to announce.
  if (!again && !previous) res.notes.push(note(self, `${self.name} joined the class`));
  return res;
}

export function leave(state: ClassState, socketId: string): CommandResult<Participant> {
  const self = member(state, socketId);
  const next = { ...state, participants: state.participants.filter((p) => p.socketId !== socketId) };
  const res = result(next, self, [send({ class: state.sessionId, except: socketId }, 'user-left', { socketId })]);
  res.notes.push(note(self, `${self.name} left the class`));
  return res;
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

export function setMedia(
  state: ClassState,
  socketId: string,
  kind: 'audio' | 'video',
  enabled: boolean,
): CommandResult<Participant> {
  const self = member(state, socketId);
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

export function muteParticipant(state: ClassState, actorSocketId: string, targetSocketId: string): CommandResult<Participant> {
  const actor = member(state, actorSocketId);
  const target = member(state, targetSocketId);
  authorize(actor.role, 'mute-participant', target.role);
  const muted = { ...target, isAudioOn: false };
  const res = updated(state, muted);
  res.events.unshift(send({ socket: target.socketId }, 'force-mute', { by: actor.name }));
  res.notes.push(note(actor, `${actor.name} muted ${target.name}`));
  return res;
}

export function muteAll(state: ClassState, actorSocketId: string): CommandResult<number> {
  const actor = member(state, actorSocketId);
  authorize(actor.role, 'mute-all');
  const events: Outbound[] = [];
  let next = state;
  let muted = 0;
  for (const p of state.participants) {
    if (p.role !== 'student') continue;
    events.push(send({ socket: p.socketId }, 'force-mute', { by: actor.name }));
    if (!p.isAudioOn) continue;
    const m = { ...p, isAudioOn: false };
    next = replace(next, m);
    events.push(send({ class: state.sessionId }, 'participant-updated', m));
    muted += 1;
  }
  const res = result(next, muted, events);
  res.notes.push(note(actor, `${actor.name} muted all students`));
  return res;
}

/** The raised hands, earliest first; ties keep join order. */
export function handQueue(state: ClassState): Participant[] {
  return state.participants
    .filter((p) => p.isHandRaised)
    .sort((a, b) => (a.handRaisedAt ?? 0) - (b.handRaisedAt ?? 0));
}

function updated(state: ClassState, next: Participant): CommandResult<Participant> {
  return result(replace(state, next), next, [send({ class: state.sessionId }, 'participant-updated', next)]);
}
