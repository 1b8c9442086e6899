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
import { type Bucket, createRateLimiter, defaultRates, type RateKind, rateKindOf, type RateLimiter } from './rate-limiter';
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

type Payload<E extends ClientEventName> = ReturnType<(typeof clientEventSchemas)[E]['parse']>;

/** One event's handler, shared by every socket: `caller` is the socket it serves this time. */
type Handler<E extends ClientEventName> = (caller: Caller, payload: Payload<E>, answering: Answering) => Promise<ClientAcks[E]>;

/**
 * One connected socket as the handlers see it. A node holds thousands of sockets, so each holds
 * this one small object (methods on the prototype, the handlers shared by all) and two listeners,
 * and its logger is made only once something is logged.
 */
class Caller {
  /** The WebSocket's close code, once it has closed. */
  closeCode: number | undefined;
  private logger: Logger | null = null;

  constructor(
    readonly socket: ClassroomSocket,
    private readonly serverLog: Logger,
    readonly limiter: RateLimiter,
  ) {
    watchCloseCode(socket, (code) => {
      this.closeCode = code;
    });
  }

  /** The browser closed the socket with "going away" (1001): the tab closed or left, even if its goodbye did not get out. */
  get wentAway(): boolean {
    return this.closeCode === 1001;
  }

  get identity(): Identity {
    return this.socket.data.identity;
  }

  /** The server's logger with who this socket is. */
  get log(): Logger {
    const { userId, role } = this.socket.data.identity;
    this.logger ??= this.serverLog.child({ userId, role, socketId: this.socket.id });
    return this.logger;
  }

  /** An info line with who this socket is; nothing is made when such lines are off. */
  info(fields: object, message: string): void {
    if (this.serverLog.isLevelEnabled('info')) this.log.info(fields, message);
  }

  /** A debug line with who this socket is; nothing is made when such lines are off. */
  debug(fields: object, message: string): void {
    if (this.serverLog.isLevelEnabled('debug')) this.log.debug(fields, message);
  }
}

/**
 * What an event handler has besides its payload: ways to tell the class once its caller has the
 * answer. One per event, with its methods on the prototype: every event (the `signal` relay most of
 * all) pays for one small object, not for closures.
 */
class Answering {
  /** What to send once the ack has gone out. */
  readonly later: Array<() => void> = [];

  constructor(
    private readonly caller: Caller,
    /** Applies a command to the class the socket has joined and drafts what it sends. */
    private readonly applyToClass: <T>(caller: Caller, fn: (s: rules.ClassState) => rules.CommandResult<T>) => Promise<{ value: T; send: () => void }>,
  ) {}

  /** Sends `send` once the ack has gone out (in the same turn of the event loop). */
  afterAck(send: () => void): void {
    this.later.push(send);
  }

  /** Applies a rule to the joined class; its caller is answered before the class is told. */
  async command<T>(fn: (s: rules.ClassState) => rules.CommandResult<T>): Promise<T> {
    const { value, send } = await this.applyToClass(this.caller, fn);
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
  /**
   * Departures still under way (a leave being applied and stored, a place being held). Sockets go
   * on leaving while the server closes, after the shutdown's drain: their notes must be stored
   * before the database closes.
   */
  const departures = new Set<Promise<void>>();
  const depart = (work: Promise<void>) => {
    departures.add(work);
    void work.finally(() => departures.delete(work));
  };
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

  const joined = (caller: Caller) => {
    const { sessionId } = caller.socket.data;
    if (!sessionId) throw new ClassroomError('not_in_session', 'join a class first');
    return sessionId;
  };

  const applyToClass = async <T>(caller: Caller, fn: (s: rules.ClassState) => rules.CommandResult<T>) => {
    const res = await store.apply(joined(caller), fn);
    return { value: res.value, send: prepare(res).send };
  };

  const leaveClass = async (caller: Caller, afterAck: AfterAck = (send) => send()) => {
    const { socket } = caller;
    const sessionId = socket.data.sessionId;
    void sfu?.release(socket.id);
    if (!sessionId) return;
    socket.data.sessionId = undefined;
    socket.leave(classRoom(sessionId));
    try {
      afterAck(prepare(await store.apply(sessionId, (s) => rules.leave(s, socket.id))).send);
      caller.info({ classId: sessionId }, 'left class');
    } catch (err) {
      // Already gone: replaced by a newer socket of the same user.
      if (!(err instanceof ClassroomError)) throw err;
    }
  };

  /**
   * Every event's handler, made once for all sockets: a handler gets the socket it serves as
   * `caller`, its parsed payload and a way to tell the class after the ack.
   */
  const handlers: { [E in ClientEventName]: Handler<E> } = {
    'join-session': async (caller, input, answering) => {
      const { socket, identity } = caller;
      // Checked before leaving the current class: a refused join must change nothing.
      if (!admits(identity, input.sessionId)) throw forbidden('this link is for another class');
      if (socket.data.sessionId && socket.data.sessionId !== input.sessionId) await leaveClass(caller);
      const room = classRoom(input.sessionId);
      const alreadyIn = socket.rooms.has(room);
      // In the room before the join is stored: whatever the class does after the state this join
      // answers with reaches this socket as an event, on any node, so `users` plus the events that
      // follow is the whole class (the page holds those events until the answer, then applies them).
      await socket.join(room);
      let res: rules.CommandResult<Participant>;
      try {
        const policy = await mediaPolicyFor(input.sessionId, caller.log);
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
        await leaveClass(caller);
      } else answering.afterAck(send);
      caller.info({ classId: input.sessionId }, 'joined class');
      return {
        self: res.value,
        controls: res.state.controls,
        ...(note ? { note } : {}),
        ...(input.withUsers ? { users: rules.othersOf(res.state, socket.id) } : {}),
      };
    },

    'get-session-users': async (caller, { sessionId }) => {
      if (joined(caller) !== sessionId) throw new ClassroomError('not_in_session', 'you are not in this class');
      const users = rules.othersOf(await store.read(sessionId), caller.socket.id);
      caller.socket.emit('existing-users', { users });
      return { users };
    },

    signal: async (caller, { to, data }) => {
      const { socket } = caller;
      const sessionId = joined(caller);
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
    },

    'toggle-audio': async ({ socket }, { enabled }, answering) => ({ self: await answering.command((s) => rules.setMedia(s, socket.id, 'audio', enabled)) }),
    'toggle-video': async ({ socket }, { enabled }, answering) => ({ self: await answering.command((s) => rules.setMedia(s, socket.id, 'video', enabled)) }),
    'raise-hand': async ({ socket }, _, answering) => ({ self: await answering.command((s) => rules.raiseHand(s, socket.id, now())) }),
    'lower-hand': async ({ socket }, { socketId }, answering) => ({
      participant: await answering.command((s) => rules.lowerHand(s, socket.id, socketId)),
    }),
    'mute-participant': async ({ socket }, { socketId }, answering) => ({
      participant: await answering.command((s) => rules.muteParticipant(s, socket.id, socketId)),
    }),
    'mute-all': async ({ socket }, _, answering) => ({ muted: await answering.command((s) => rules.muteAll(s, socket.id)) }),
    'lower-all-hands': async ({ socket }, _, answering) => ({ lowered: await answering.command((s) => rules.lowerAllHands(s, socket.id)) }),
    'lock-media': async ({ socket }, { kind, locked }, answering) => ({
      controls: await answering.command((s) => rules.lockMedia(s, socket.id, kind, locked)),
    }),
    'ask-unmute': async ({ socket }, { socketId }, answering) => answering.command((s) => rules.askUnmute(s, socket.id, socketId)),
    'give-floor': async ({ socket }, { socketId }, answering) => ({ controls: await answering.command((s) => rules.giveFloor(s, socket.id, socketId)) }),
    'take-floor-back': async ({ socket }, _, answering) => ({ controls: await answering.command((s) => rules.takeFloorBack(s, socket.id)) }),
    'set-media-mode': async ({ socket }, _, answering) => ({ controls: await answering.command((s) => rules.useMediaServer(s, socket.id, mediaPolicy)) }),
    'remove-participant': async ({ socket }, { socketId, reason }, answering) => {
      await answering.command((s) => rules.removeParticipant(s, socket.id, socketId, reason));
      return {};
    },
    'page-closing': async ({ socket }) => {
      socket.data.pageClosing = true;
      return {};
    },
    'leave-session': async (caller, _, answering) => {
      joined(caller);
      await leaveClass(caller, (send) => answering.afterAck(send));
      return {};
    },

    'chat-message': async (caller, { text }) => ({ message: await chat.post(caller.identity, joined(caller), text) }),
    'edit-chat-message': async (caller, { id, text }) => ({ message: await chat.edit(caller.identity, joined(caller), id, text) }),
    'delete-chat-message': async (caller, { id }) => {
      await chat.remove(caller.identity, joined(caller), id);
      return { id };
    },
  };

  /** Parses the payload, runs the handler, answers the ack: the same for every event. */
  const dispatch = async (caller: Caller, event: string, args: unknown[]) => {
    if (!Object.hasOwn(handlers, event)) return;
    const name = event as ClientEventName;
    const ack = (typeof args[args.length - 1] === 'function' ? args.pop() : undefined) as AckCallback<ClientAcks[ClientEventName]> | undefined;
    inFlight += 1;
    const answering = new Answering(caller, applyToClass);
    try {
      if (draining) throw new ClassroomError('internal', 'The server is restarting; you will be reconnected in a moment.');
      if (!caller.limiter.take(rateKindOf[name])) throw new ClassroomError('rate_limited', 'too many requests, slow down');
      const payload = clientEventSchemas[name].parse(args.length === 0 ? {} : args[0]);
      const value = await (handlers[name] as Handler<ClientEventName>)(caller, payload as never, answering);
      ack?.({ ok: true, ...value });
    } catch (err) {
      const fail = toAckFail(err, caller.log);
      caller.debug({ event, code: fail.error.code }, 'event refused');
      ack?.(fail);
    } finally {
      // Even a handler that failed after changing the class must tell the class.
      for (const send of answering.later) {
        try {
          send();
        } catch (err) {
          caller.log.error({ err, event }, 'telling the class failed');
        }
      }
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    }
  };

  const disconnected = (caller: Caller, reason: string) => {
    const { socket } = caller;
    caller.debug({ reason }, 'socket disconnected');
    // Its media connections died with the page or the network: a rejoin publishes anew.
    void sfu?.release(socket.id);
    const sessionId = socket.data.sessionId;
    // Shutting down: the class is held for the clients to come back to another node or this one restarted.
    if (!sessionId || closed) return;
    // Replaced, removed, or the client said goodbye: nothing to hold.
    if (reason === 'server namespace disconnect' || reason === 'client namespace disconnect') {
      depart(leaveClass(caller).catch((err) => caller.log.error({ err }, 'leaving on disconnect failed')));
      return;
    }
    // A page that closed said so, or its browser closed the socket with "going away" (1001), which
    // it does when a tab closes or navigates away even when the goodbye event did not get out first.
    const wait = socket.data.pageClosing || caller.wentAway ? grace.closeMs : grace.networkMs;
    caller.debug({ reason, closeCode: caller.closeCode }, 'holding the place');
    // The timer keeps the logger, not the socket, for the grace period.
    const slog = caller.log;
    depart(holdForGrace(sessionId, socket.id, wait, slog).catch((err) => slog.error({ err }, 'holding a dropped participant failed')));
  };

  // Each socket holds one small object and two listeners; the handlers above are shared by all.
  io.on('connection', (socket: ClassroomSocket) => {
    const caller = new Caller(socket, log, createRateLimiter(rates));
    caller.debug({}, 'socket connected');
    socket.onAny((event: string, ...args: unknown[]) => void dispatch(caller, event, args));
    socket.on('disconnect', (reason) => disconnected(caller, reason));
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

  /** Resolves once every departure under way is applied and its notes handed to the chat store. */
  const settle = async () => {
    while (departures.size) await Promise.all([...departures]);
  };

  /** `deliver` also serves what happens outside a socket's handlers (a cluster node reaping a dead node's participants). */
  return { close: closeTimers, drain, settle, deliver, sfu };
}

/**
 * Calls `closed` with the close code of this socket's WebSocket: browsers send 1001 "going away"
 * when the page is closed or left (a network that drops sends nothing, and the socket dies as 1006).
 * Reads it on engine.io's underlying `ws` socket, ahead of engine.io's own close handler.
 */
function watchCloseCode(socket: ClassroomSocket, closed: (code: number) => void): void {
  const raw = (socket.conn.transport as unknown as { socket?: { prependOnceListener?: (event: 'close', fn: (code: number) => void) => void } }).socket;
  raw?.prependOnceListener?.('close', closed);
}
