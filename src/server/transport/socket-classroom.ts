import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import {
  type AckCallback,
  type ClientAcks,
  type ClientEventName,
  clientEventSchemas,
  type ChatMessage,
  type ClientToServerEvents,
  type Participant,
  type ServerEventName,
  type ServerToClientEvents,
  SfuRequestSchema,
  sfuPeer,
} from '../../protocol';
import type { TokenService } from '../auth/tokens';
import type { ChatService } from '../chat/chat-service';
import * as rules from '../classroom/class-state';
import type { ClassStore } from '../classroom/class-store';
import { ClassroomError, forbidden, notFound } from '../classroom/errors';
import { admits, type Identity } from '../classroom/identity';
import { type Bucket, createRateLimiter, defaultRates, type RateKind, rateKindOf } from './rate-limiter';
import type { JanusClient } from '../sfu/janus-api';
import { createSfuBridge, type SfuBridge } from '../sfu/sfu-bridge';
import { toAckFail } from './wire-errors';

export interface SocketData {
  identity: Identity;
  /** The class this socket has joined, once it has. */
  sessionId?: string;
  /** The page said it is unloading: a drop is a reload or a closed tab, not the network. */
  pageClosing?: boolean;
}

export type ClassroomServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type ClassroomSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface SocketClassroomDeps {
  io: ClassroomServer;
  store: ClassStore;
  tokens: TokenService;
  chat: ChatService;
  log: Logger;
  now?: () => number;
  rates?: Record<RateKind, Bucket>;
  grace?: ReconnectGrace;
  /** The media server for large classes; without it every class keeps direct links. */
  janus?: JanusClient;
  /** Students beyond this many move a class to the media server. */
  sfuThreshold?: number;
  /** Whether a class was created as a large one (it then starts on the media server). */
  isLargeClass?: (sessionId: string) => Promise<boolean>;
}

/** How long a dropped participant keeps their slot before they count as gone. */
export interface ReconnectGrace {
  /** The network dropped (ping timeout, transport error): long enough for Wi-Fi to come back. */
  networkMs: number;
  /** The page said it was unloading (tab closed, reload): long enough for a reload to come back. */
  closeMs: number;
}

export const defaultGrace: ReconnectGrace = { networkMs: 30_000, closeMs: 3_000 };

export const classRoom = (sessionId: string) => `class:${sessionId}`;

/** A system message ("… joined the class") that rode on an event. */
interface CarriedNote {
  event: ServerEventName;
  message: ChatMessage;
}

/**
 * What a handler sends once its caller has the answer: the caller hears first, then the class
 * (in the same turn of the event loop, so nothing else comes in between).
 */
type AfterAck = (send: () => void) => void;

/**
 * What an event handler has besides its payload: ways to tell the class once its caller has the
 * answer. One per event, with its methods on the prototype: every event (the `signal` relay most of
 * all) pays for one small object, not for closures.
 */
class Answering {
  /** What to send once the ack has gone out. */
  readonly later: Array<() => void> = [];

  constructor(
    /** Applies a command to the class the socket has joined and drafts what it sends. */
    private readonly applyToClass: <T>(fn: (s: rules.ClassState) => rules.CommandResult<T>) => Promise<{ value: T; send: () => void }>,
  ) {}

  /** Sends `send` once the ack has gone out (in the same turn of the event loop). */
  afterAck(send: () => void): void {
    this.later.push(send);
  }

  /** Applies a rule to the joined class; its caller is answered before the class is told. */
  async command<T>(fn: (s: rules.ClassState) => rules.CommandResult<T>): Promise<T> {
    const { value, send } = await this.applyToClass(fn);
    this.later.push(send);
    return value;
  }
}

/** Socket.IO edge of the classroom: verify, parse, call the rules, emit what they say. */
export function attachSocketClassroom({
  io,
  store,
  tokens,
  chat,
  log,
  now = Date.now,
  rates = defaultRates,
  grace = defaultGrace,
  janus,
  sfuThreshold = 6,
  isLargeClass,
}: SocketClassroomDeps) {
  const mediaPolicy: rules.MediaPolicy = { sfuAvailable: !!janus, sfuThreshold };
  /** The policy for one class: only with a media server does it matter whether the class was created large. */
  const mediaPolicyFor = async (sessionId: string, slog: Logger): Promise<rules.MediaPolicy> => {
    if (!janus || !isLargeClass) return mediaPolicy;
    try {
      return { ...mediaPolicy, largeClass: await isLargeClass(sessionId) };
    } catch (err) {
      // The class still opens; it moves to the media server when it grows, as any other.
      slog.warn({ err, classId: sessionId }, 'could not read whether the class is a large one');
      return mediaPolicy;
    }
  };
  const graceTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Handlers still running: a shutdown waits for them, so every acknowledged write is stored. */
  let inFlight = 0;
  let drained: (() => void) | null = null;
  let draining = false;
  io.use(async (socket, next) => {
    try {
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      socket.data.identity = await tokens.verifyJoin(typeof auth?.token === 'string' ? auth.token : null);
      next();
    } catch (err) {
      const fail = toAckFail(err, log);
      next(Object.assign(new Error(fail.error.message), { data: fail.error }));
    }
  });

  const sfu: SfuBridge | undefined = janus
    ? createSfuBridge({
        janus,
        log,
        async published(member, streams) {
          try {
            const res = await store.apply(member.classId, (s) => rules.recordPublication(s, member.socketId, streams));
            return rules.forwardingOf(res.value);
          } catch (err) {
            if (err instanceof ClassroomError) return null;
            throw err;
          }
        },
        announce: (classId, reply) => io.to(classRoom(classId)).emit('signal', { from: sfuPeer, data: reply }),
      })
    : undefined;

  /** The media server forwards only what the class state allows: mutes, locks and removals act there too. */
  const followOnMediaServer = (res: rules.CommandResult<unknown>) => {
    if (!sfu || res.state.controls.media !== 'sfu') return;
    const classId = res.state.sessionId;
    for (const { target, event, payload } of res.events) {
      if (event === 'participant-updated') {
        const p = payload as Participant;
        void sfu.forward(classId, rules.forwardingOf(p), res.state.sfuStreams?.[p.socketId]);
      } else if (event === 'removed' && 'socket' in target) {
        void sfu.kick(classId, target.socket);
      }
    }
    if (res.state.participants.length === 0) void sfu.endClass(classId);
  };

  /**
   * Works out what a command's result sends, drafting the notes its events carry, without sending
   * anything yet: `carried` are the system messages the events carry (a join's own line goes back
   * to the joiner with the ack), `send` emits the events, evicts, follows on the media server and
   * stores the notes. Split so a handler can answer its caller before telling the class.
   */
  const prepare = (res: rules.CommandResult<unknown>): { carried: CarriedNote[]; send: () => void } => {
    const classId = res.state.sessionId;
    const notes: { message: ChatMessage; announced: boolean }[] = [];
    const carried: CarriedNote[] = [];
    const outgoing: { target: (typeof res.events)[number]['target']; event: ServerEventName; body: unknown }[] = [];
    for (const { target, event, payload, note } of res.events) {
      let body: unknown = payload;
      if (note) {
        const message = chat.draftNote(classId, note);
        notes.push({ message, announced: true });
        carried.push({ event, message });
        body = { ...payload, note: message };
      }
      outgoing.push({ target, event, body });
    }
    for (const note of res.notes) notes.push({ message: chat.draftNote(classId, note), announced: false });
    const send = () => {
      followOnMediaServer(res);
      for (const { target, event, body } of outgoing) {
        if ('socket' in target) io.to(target.socket).emit(event, body as never);
        else {
          const room = io.to(classRoom(target.class));
          (target.except ? room.except(target.except) : room).emit(event, body as never);
        }
      }
      for (const socketId of res.evict) io.in(socketId).disconnectSockets(true);
      if (notes.length) {
        chat.recordNotes(classId, notes).catch((err) => log.warn({ err, classId }, 'a class note was not stored'));
      }
    };
    return { carried, send };
  };

  /** Sends what a command produced and stores its notes, now; returns the notes its events carried. */
  const deliver = (res: rules.CommandResult<unknown>): CarriedNote[] => {
    const { carried, send } = prepare(res);
    send();
    return carried;
  };

  let closed = false;
  const closeTimers = () => {
    closed = true;
    void sfu?.close();
    for (const timer of graceTimers) clearTimeout(timer);
    graceTimers.clear();
  };

  /** Keeps a dropped participant's slot (shown as reconnecting); if they are not back in `wait` ms, they leave. */
  const holdForGrace = async (sessionId: string, socketId: string, wait: number, slog: Logger) => {
    deliver(await store.apply(sessionId, (s) => rules.disconnect(s, socketId)));
    const timer = setTimeout(() => {
      graceTimers.delete(timer);
      store
        .apply(sessionId, (s) => rules.expire(s, socketId))
        .then((expired) => {
          deliver(expired);
          if (expired.value) slog.info({ classId: sessionId }, 'left class (did not come back)');
        })
        .catch((err) => slog.error({ err }, 'expiring a dropped participant failed'));
    }, wait);
    graceTimers.add(timer);
  };

  io.on('connection', (socket: ClassroomSocket) => {
    const { identity } = socket.data;
    const slog = log.child({ userId: identity.userId, role: identity.role, socketId: socket.id });
    const limiter = createRateLimiter(rates);
    slog.debug('socket connected');
    const goingAway = watchGoingAway(socket);

    const joined = () => {
      if (!socket.data.sessionId) throw new ClassroomError('not_in_session', 'join a class first');
      return socket.data.sessionId;
    };

    const applyToClass = async <T>(fn: (s: rules.ClassState) => rules.CommandResult<T>) => {
      const res = await store.apply(joined(), fn);
      return { value: res.value, send: prepare(res).send };
    };

    /** Parses the payload, runs the handler, answers the ack: the same for every event. */
    function on<E extends ClientEventName>(
      event: E,
      handler: (payload: ReturnType<(typeof clientEventSchemas)[E]['parse']>, answering: Answering) => Promise<ClientAcks[E]>,
    ) {
      socket.on(event as never, (async (...args: unknown[]) => {
        const ack = (typeof args[args.length - 1] === 'function' ? args.pop() : undefined) as
          | AckCallback<ClientAcks[E]>
          | undefined;
        inFlight += 1;
        const answering = new Answering(applyToClass);
        try {
          if (draining) throw new ClassroomError('internal', 'The server is restarting; you will be reconnected in a moment.');
          if (!limiter.take(rateKindOf[event])) throw new ClassroomError('rate_limited', 'too many requests, slow down');
          const payload = clientEventSchemas[event].parse(args.length === 0 ? {} : args[0]);
          const value = await handler(payload as never, answering);
          ack?.({ ok: true, ...value });
        } catch (err) {
          const fail = toAckFail(err, slog);
          slog.debug({ event, code: fail.error.code }, 'event refused');
          ack?.(fail);
        } finally {
          // Even a handler that failed after changing the class must tell the class.
          for (const send of answering.later) {
            try {
              send();
            } catch (err) {
              slog.error({ err, event }, 'telling the class failed');
            }
          }
          inFlight -= 1;
          if (inFlight === 0) drained?.();
        }
      }) as never);
    }

    const leaveClass = async (afterAck: AfterAck = (send) => send()) => {
      const sessionId = socket.data.sessionId;
      void sfu?.release(socket.id);
      if (!sessionId) return;
      socket.data.sessionId = undefined;
      socket.leave(classRoom(sessionId));
      try {
        afterAck(prepare(await store.apply(sessionId, (s) => rules.leave(s, socket.id))).send);
        slog.info({ classId: sessionId }, 'left class');
      } catch (err) {
        // Already gone: replaced by a newer socket of the same user.
        if (!(err instanceof ClassroomError)) throw err;
      }
    };

    on('join-session', async (input, answering) => {
      // Checked before leaving the current class: a refused join must change nothing.
      if (!admits(identity, input.sessionId)) throw forbidden('this link is for another class');
      if (socket.data.sessionId && socket.data.sessionId !== input.sessionId) await leaveClass();
      const room = classRoom(input.sessionId);
      const alreadyIn = socket.rooms.has(room);
      // In the room before the join is stored: whatever the class does after the state this join
      // answers with reaches this socket as an event, on any node, so `users` plus the events that
      // follow is the whole class (the page holds those events until the answer, then applies them).
      await socket.join(room);
      let res: rules.CommandResult<Participant>;
      try {
        const policy = await mediaPolicyFor(input.sessionId, slog);
        res = await store.apply(input.sessionId, (s) =>
          rules.andThen(rules.join(s, identity, socket.id, input, now()), (joinedState) => rules.fitMediaToSize(joinedState, policy)),
        );
      } catch (err) {
        if (!alreadyIn) await socket.leave(room);
        throw err;
      }
      socket.data.sessionId = input.sessionId;
      const { carried, send } = prepare(res);
      const note = carried.find((c) => c.event === 'user-joined')?.message;
      // Gone while the join was being stored: leave now, or the class keeps a ghost (told in order).
      if (socket.disconnected) {
        send();
        await leaveClass();
      } else answering.afterAck(send);
      slog.info({ classId: input.sessionId }, 'joined class');
      return {
        self: res.value,
        controls: res.state.controls,
        ...(note ? { note } : {}),
        ...(input.withUsers ? { users: rules.othersOf(res.state, socket.id) } : {}),
      };
    });

    on('get-session-users', async ({ sessionId }) => {
      if (joined() !== sessionId) throw new ClassroomError('not_in_session', 'you are not in this class');
      const users = rules.othersOf(await store.read(sessionId), socket.id);
      socket.emit('existing-users', { users });
      return { users };
    });

    on('signal', async ({ to, data }) => {
      const sessionId = joined();
      const state = await store.read(sessionId);
      if (to === sfuPeer) {
        if (!sfu || state.controls.media !== 'sfu') throw notFound('this class does not use the media server');
        const request = SfuRequestSchema.parse(data);
        const self = rules.requireMember(state, socket.id);
        if (request.kind === 'subscribe') rules.checkSignal(state, socket.id, request.feed);
        // Janus may take a while (a feed not up yet): the ack does not wait, replies come as signals.
        void sfu.handle({ classId: sessionId, socketId: socket.id, name: self.name }, request, (reply) =>
          socket.emit('signal', { from: sfuPeer, data: reply }),
        );
        return {};
      }
      rules.checkSignal(state, socket.id, to);
      io.to(to).emit('signal', { from: socket.id, data });
      return {};
    });

    on('toggle-audio', async ({ enabled }, answering) => ({ self: await answering.command((s) => rules.setMedia(s, socket.id, 'audio', enabled)) }));
    on('toggle-video', async ({ enabled }, answering) => ({ self: await answering.command((s) => rules.setMedia(s, socket.id, 'video', enabled)) }));
    on('raise-hand', async (_, answering) => ({ self: await answering.command((s) => rules.raiseHand(s, socket.id, now())) }));
    on('lower-hand', async ({ socketId }, answering) => ({
      participant: await answering.command((s) => rules.lowerHand(s, socket.id, socketId)),
    }));
    on('mute-participant', async ({ socketId }, answering) => ({
      participant: await answering.command((s) => rules.muteParticipant(s, socket.id, socketId)),
    }));
    on('mute-all', async (_, answering) => ({ muted: await answering.command((s) => rules.muteAll(s, socket.id)) }));
    on('lower-all-hands', async (_, answering) => ({ lowered: await answering.command((s) => rules.lowerAllHands(s, socket.id)) }));
    on('lock-media', async ({ kind, locked }, answering) => ({
      controls: await answering.command((s) => rules.lockMedia(s, socket.id, kind, locked)),
    }));
    on('ask-unmute', async ({ socketId }, answering) => answering.command((s) => rules.askUnmute(s, socket.id, socketId)));
    on('give-floor', async ({ socketId }, answering) => ({ controls: await answering.command((s) => rules.giveFloor(s, socket.id, socketId)) }));
    on('take-floor-back', async (_, answering) => ({ controls: await answering.command((s) => rules.takeFloorBack(s, socket.id)) }));
    on('set-media-mode', async (_, answering) => ({ controls: await answering.command((s) => rules.useMediaServer(s, socket.id, mediaPolicy)) }));
    on('remove-participant', async ({ socketId, reason }, answering) => {
      await answering.command((s) => rules.removeParticipant(s, socket.id, socketId, reason));
      return {};
    });
    on('page-closing', async () => {
      socket.data.pageClosing = true;
      return {};
    });
    on('leave-session', async (_, answering) => {
      joined();
      await leaveClass((send) => answering.afterAck(send));
      return {};
    });

    on('chat-message', async ({ text }) => ({ message: await chat.post(identity, joined(), text) }));
    on('edit-chat-message', async ({ id, text }) => ({ message: await chat.edit(identity, joined(), id, text) }));
    on('delete-chat-message', async ({ id }) => {
      await chat.remove(identity, joined(), id);
      return { id };
    });

    socket.on('disconnect', (reason) => {
      slog.debug({ reason }, 'socket disconnected');
      // Its media connections died with the page or the network: a rejoin publishes anew.
      void sfu?.release(socket.id);
      const sessionId = socket.data.sessionId;
      // Shutting down: the class is held for the clients to come back to another node or this one restarted.
      if (!sessionId || closed) return;
      // Replaced, removed, or the client said goodbye: nothing to hold.
      if (reason === 'server namespace disconnect' || reason === 'client namespace disconnect') {
        leaveClass().catch((err) => slog.error({ err }, 'leaving on disconnect failed'));
        return;
      }
      // A page that closed said so, or its browser closed the socket with "going away" (1001), which
      // it does when a tab closes or navigates away even when the goodbye event did not get out first.
      const wait = socket.data.pageClosing || goingAway() ? grace.closeMs : grace.networkMs;
      slog.debug({ reason, closeCode: goingAway.code }, 'holding the place');
      holdForGrace(sessionId, socket.id, wait, slog).catch((err) => slog.error({ err }, 'holding a dropped participant failed'));
    });
  });

  /** Stops taking events, tells every client, and resolves once the handlers in flight are done. */
  const drain = async (timeoutMs = 10_000) => {
    draining = true;
    io.emit('server-restarting', { reason: 'The server is restarting.' });
    if (inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };

  /** `deliver` also serves what happens outside a socket's handlers (a cluster node reaping a dead node's participants). */
  return { close: closeTimers, drain, deliver, sfu };
}

/**
 * Whether the browser closed this socket's WebSocket with 1001 "going away", which browsers send when
 * the page is closed or left (a network that drops sends nothing, and the socket dies as 1006).
 * Reads the close code on engine.io's underlying `ws` socket, ahead of engine.io's own close handler.
 */
function watchGoingAway(socket: ClassroomSocket): { (): boolean; code?: number } {
  const state = Object.assign(() => state.code === 1001, { code: undefined as number | undefined });
  const raw = (socket.conn.transport as unknown as { socket?: { prependOnceListener?: (event: 'close', fn: (code: number) => void) => void } }).socket;
  raw?.prependOnceListener?.('close', (code) => {
    state.code = code;
  });
  return state;
}

