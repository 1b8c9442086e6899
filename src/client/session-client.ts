import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ChatMessage,
  ClientAcks,
  ClientEventName,
  ClientToServerEvents,
  MediaMode,
  Participant,
  ServerToClientEvents,
} from '../protocol';
import { type CaptureOptions, capVideo, largeClassStudentVideo, type LocalMedia, openLocalMedia, stopStream } from './media/local-media';
import { createPeerMesh } from './media/peer-mesh';
import { createSfuLinks } from './media/sfu-links';
import { localStreamKey, StreamRegistry } from './media/stream-registry';
import type { MediaTopology } from './media/topology';
import { mergeMessages } from './chat/chat-log';
import { EventHold } from './event-hold';
import { markTiming } from './timing';
import { isStar } from '../protocol/topology';
import { selectOthers, selectStudentCount } from './selectors';
import {
  type ClassroomStore,
  createClassroomStore,
  type LinkState,
  patchChat,
  patchMedia,
  patchParticipants,
  patchUi,
  without,
} from './store';

type ClassroomSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The topology of an observer: it sends and receives no media. */
const noMedia: MediaTopology = { sync() {}, receive() {}, setLocalStream() {}, setOnScreen() {}, retry() {}, close() {} };

/** The server's history page size: a full page means there may be more. */
const historyPage = 100;
let outgoingCounter = 0;

export interface SessionClientOptions {
  sessionId: string;
  token: string;
  role: Participant['role'];
  iceServers: RTCIceServer[];
  capture?: CaptureOptions;
  /** Where Socket.IO lives; the page's own origin by default. */
  url?: string;
  /** Moderates without media (the admin console): no camera, no peer links. */
  observer?: boolean;
  /**
   * The camera and microphone, already being opened by the page while it checked the link; the
   * client owns them from here (stops them when it stops). Opened by the client when absent.
   */
  media?: Promise<LocalMedia>;
}

/** A refused command, with the server's code. */
export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One person's connection to a class, outside React: owns the socket, the local media and the
 * media topology, and writes plain data to the store. Components call its commands.
 */
export class SessionClient {
  readonly store: ClassroomStore = createClassroomStore();
  readonly streams = new StreamRegistry();
  private socket: ClassroomSocket | null = null;
  private topology: MediaTopology;
  private topologyMode: MediaMode = 'direct';
  /** This student's camera is held at the large-class size (the class went past the mesh, or to the media server). */
  private studentVideoCapped = false;
  /** The remote tiles on screen (a large class's grid pages), or null for all. */
  private onScreen: string[] | null = null;
  private localStream: MediaStream | null = null;
  private disposers: Array<() => void> = [];
  private stopped = false;
  private historyLoaded = false;
  private readonly classNews = new EventHold();
  /** Settles once the camera and microphone are open (or known missing); a join waits for it. */
  private mediaReady: Promise<void> = Promise.resolve();

  constructor(private readonly options: SessionClientOptions) {
    this.topology = this.createTopology();
  }

  private createTopology(mode: MediaMode = 'direct'): MediaTopology {
    if (this.options.observer) return noMedia;
    const events = {
      iceServers: this.options.iceServers,
      sendSignal: (to: string, data: unknown) => {
        this.socket?.emit('signal', { to, data: data as object }, () => undefined);
      },
      onLinkState: (socketId: string, state: LinkState | null) =>
        patchParticipants(this.store, (p) => ({
          links: state ? { ...p.links, [socketId]: state } : without(p.links, socketId),
        })),
      // Tiles subscribe to the registry; the store holds no streams.
      onRemoteStream: (socketId: string, stream: MediaStream | null) => {
        if (stream) markTiming('first-remote-stream');
        this.streams.set(socketId, stream);
      },
      onSpeaking: (socketId: string, speaking: boolean) =>
        patchParticipants(this.store, (p) => ({
          speaking: speaking ? { ...p.speaking, [socketId]: true } : without(p.speaking, socketId),
        })),
    };
    const topology = mode === 'sfu' ? createSfuLinks(events) : createPeerMesh(events);
    topology.setOnScreen(this.onScreen);
    return topology;
  }

  /**
   * The class's media mode decides the topology: a class that grows large moves from direct links
   * to the media server. Only the links change; hands, mutes and chat stay as they are.
   */
  private fitTopology() {
    const mode = this.store.getState().media.controls.media;
    if (mode === this.topologyMode || this.options.observer) return;
    this.topologyMode = mode;
    if (mode === 'sfu' && this.options.role === 'student') this.capStudentVideo();
    this.topology.close();
    this.topology = this.createTopology(mode);
    this.topology.setLocalStream(this.localStream);
    this.syncTopology();
  }

  /**
   * Opens the camera and microphone (not for an admin, who only watches) while the socket connects,
   * and joins once both are ready: the class learns at once whether we send audio and video, and
   * neither wait sits behind the other.
   */
  async start(): Promise<void> {
    const publishes = this.options.role !== 'admin' && !this.options.observer;
    const early = this.options.media;
    if (early && !publishes) void early.then((m) => stopStream(m.stream));
    this.mediaReady = publishes ? this.openMedia({ audio: true, video: true }, early) : Promise.resolve();
    this.connect();
    await this.mediaReady;
  }

  private async openMedia(want: { audio: boolean; video: boolean }, opening?: Promise<LocalMedia>) {
    const media = await (opening ?? openLocalMedia(this.options.capture ?? {}, want));
    if (this.stopped) {
      stopStream(media.stream);
      return;
    }
    if (this.studentVideoCapped) await capVideo(media.stream, largeClassStudentVideo);
    this.localStream = media.stream;
    markTiming('media-ready');
    this.streams.set(localStreamKey, media.stream);
    this.topology.setLocalStream(media.stream);
    patchMedia(this.store, {
      hasCamera: media.hasCamera,
      hasMicrophone: media.hasMicrophone,
      audioOn: media.hasMicrophone,
      videoOn: media.hasCamera,
      deviceProblem: media.problem,
    });
  }

  private connect() {
    const socket: ClassroomSocket = io(this.options.url ?? '/', {
      auth: { token: this.options.token },
      transports: ['websocket'],
      reconnectionDelayMax: 3000,
    });
    this.socket = socket;

    socket.on('connect', () => {
      markTiming('socket-connected');
      void this.mediaReady.then(() => this.join());
    });
    socket.on('disconnect', (reason) => {
      // Links to socket ids of the old connection are stale; a rejoin rebuilds them.
      this.resetClass();
      if (reason === 'io client disconnect') return;
      // The server closed this socket on purpose (a restart): socket.io leaves reconnecting to us.
      if (reason === 'io server disconnect' && !this.stopped) setTimeout(() => this.socket?.connect(), 1000);
      this.markDropped();
    });
    socket.on('connect_error', (err) => {
      const data = (err as Error & { data?: { code?: string; message?: string } }).data;
      if (data?.code === 'unauthorized') {
        this.end({ kind: 'refused', message: data.message ?? 'This class link is not valid.' });
        return;
      }
      this.markDropped();
    });

    // What the class does while our join is on its way waits for the join's snapshot (EventHold).
    const news = this.classNews;
    socket.on('user-joined', ({ note, ...p }) =>
      news.run(() => {
        this.upsert(p);
        if (note) this.receiveMessages([note], true);
      }),
    );
    socket.on('participant-updated', (p) => news.run(() => this.upsert(p)));
    socket.on('user-left', ({ socketId, note }) =>
      news.run(() => {
        patchParticipants(this.store, (p) => ({ others: without(p.others, socketId), speaking: without(p.speaking, socketId) }));
        this.syncTopology();
        if (note) this.receiveMessages([note], true);
      }),
    );
    socket.on('signal', ({ from, data }) => news.run(() => this.topology.receive(from, data)));
    socket.on('force-mute', ({ by }) => {
      this.setTrack('audio', false);
      patchUi(this.store, { notice: `${by} muted your microphone.` });
    });
    socket.on('session-replaced', ({ reason }) => this.end({ kind: 'replaced', message: reason }));
    socket.on('server-restarting', () => patchUi(this.store, { status: 'reconnecting' }));
    socket.on('force-video-off', ({ by }) => {
      this.setTrack('video', false);
      patchUi(this.store, { notice: `${by} turned your camera off.` });
    });
    socket.on('unmute-requested', ({ by }) => patchUi(this.store, { unmuteRequestBy: by }));
    socket.on('class-updated', (controls) =>
      news.run(() => {
        patchMedia(this.store, { controls });
        this.fitTopology();
      }),
    );
    socket.on('removed', ({ by, reason }) =>
      this.end({ kind: 'removed', message: `${by} removed you from this class${reason ? `: ${reason}` : '.'}` }),
    );
    socket.on('chat-message', (m) => this.receiveMessages([m], true));
    socket.on('chat-message-updated', (m) => this.receiveMessages([m], false));
    socket.on('chat-message-deleted', ({ id }) =>
      patchChat(this.store, (c) => ({ messages: c.messages.filter((m) => m.id !== id) })),
    );

    // A reload comes back in a moment, a closed tab never: either way the server should not wait long.
    const unloading = () => {
      if (socket.connected) socket.emit('page-closing', {}, () => undefined);
    };
    window.addEventListener('pagehide', unloading);
    this.disposers.push(() => window.removeEventListener('pagehide', unloading));
    const online = () => patchUi(this.store, { status: socket.connected ? 'connected' : 'reconnecting' });
    const offline = () => patchUi(this.store, { status: 'offline' });
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    this.disposers.push(() => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    });
  }

  /** Everyone else in the class, replacing what we knew; links follow. */
  private takeRoster(users: Participant[]) {
    markTiming('roster');
    patchParticipants(this.store, () => ({ others: Object.fromEntries(users.map((u) => [u.socketId, u])) }));
    this.syncTopology();
  }

  /** The connection is gone: say whether the whole network is, or only the server. */
  private markDropped() {
    patchUi(this.store, { status: navigator.onLine === false ? 'offline' : 'reconnecting' });
  }

  private async join() {
    if (this.stopped || !this.socket?.connected) return;
    const { media } = this.store.getState();
    const hold = this.classNews.hold();
    const joined = await this.request('join-session', {
      sessionId: this.options.sessionId,
      isAudioOn: media.audioOn,
      isVideoOn: media.videoOn,
      withUsers: true,
    });
    if (!joined.ok) {
      this.classNews.drop(hold);
      this.end({ kind: 'refused', message: joined.error.message });
      return;
    }
    patchParticipants(this.store, () => ({ self: joined.self }));
    patchMedia(this.store, { controls: joined.controls });
    if (joined.note) this.receiveMessages([joined.note], false);
    this.fitTopology();
    // The server has the last word: a mute or a lock that happened before (or while we were away) sticks.
    if (!joined.self.isAudioOn && this.store.getState().media.audioOn) this.setTrack('audio', false);
    if (!joined.self.isVideoOn && this.store.getState().media.videoOn) this.setTrack('video', false);
    markTiming('joined');
    // The class as the join found it, then what it did since (held until now): the whole class, on
    // any number of server nodes. Links start dialling before the page draws anything.
    this.takeRoster(joined.users ?? []);
    this.classNews.release(hold);
    patchUi(this.store, { status: 'connected' });
    await this.loadHistory();
  }

  // ---- chat

  private chatUrl(before?: string) {
    const base = `/api/chat/session/${encodeURIComponent(this.options.sessionId)}`;
    return before ? `${base}?before=${encodeURIComponent(before)}` : base;
  }

  private async fetchHistory(before?: string): Promise<ChatMessage[] | null> {
    try {
      const res = await fetch(this.chatUrl(before), { headers: { authorization: `Bearer ${this.options.token}` } });
      if (!res.ok) return null;
      return ((await res.json()) as { messages: ChatMessage[] }).messages;
    } catch {
      return null;
    }
  }

  /** The latest page of history; on a rejoin it also fills what was missed while away. */
  private async loadHistory() {
    const messages = await this.fetchHistory();
    if (!messages || this.stopped) return;
    // Only the first load says whether older pages exist; a rejoin's load only fills the gap.
    const first = !this.historyLoaded;
    this.historyLoaded = true;
    patchChat(this.store, (c) => ({
      messages: mergeMessages(c.messages, messages),
      hasOlder: first ? messages.length >= historyPage : c.hasOlder,
    }));
  }

  async loadOlder() {
    const { messages, hasOlder, loadingOlder } = this.store.getState().chat;
    if (!hasOlder || loadingOlder || messages.length === 0) return;
    patchChat(this.store, () => ({ loadingOlder: true }));
    const older = await this.fetchHistory(messages[0].id);
    patchChat(this.store, (c) => ({
      loadingOlder: false,
      messages: older ? mergeMessages(c.messages, older) : c.messages,
      hasOlder: older ? older.length >= historyPage : c.hasOlder,
    }));
  }

  private receiveMessages(incoming: ChatMessage[], fresh: boolean) {
    const selfId = this.store.getState().participants.self?.userId;
    patchChat(this.store, (c) => {
      const known = new Set(c.messages.map((m) => m.id));
      const unseen = fresh && !c.open ? incoming.filter((m) => !known.has(m.id) && m.userId !== selfId).length : 0;
      return { messages: mergeMessages(c.messages, incoming), unread: c.unread + unseen };
    });
  }

  /** Shows the message as pending until the server has stored it; a refusal leaves it marked failed. */
  async sendMessage(text: string, clientId = `out-${++outgoingCounter}`) {
    patchChat(this.store, (c) => ({
      outgoing: [...c.outgoing.filter((o) => o.clientId !== clientId), { clientId, text, status: 'pending', error: null }],
    }));
    const res = await this.request('chat-message', { text });
    if (res.ok) {
      this.receiveMessages([res.message], false);
      patchChat(this.store, (c) => ({ outgoing: c.outgoing.filter((o) => o.clientId !== clientId) }));
      return;
    }
    patchChat(this.store, (c) => ({
      outgoing: c.outgoing.map((o) => (o.clientId === clientId ? { ...o, status: 'failed', error: res.error.message } : o)),
    }));
  }

  retryMessage = (clientId: string) => {
    const failed = this.store.getState().chat.outgoing.find((o) => o.clientId === clientId);
    if (failed) void this.sendMessage(failed.text, clientId);
  };

  discardMessage = (clientId: string) =>
    patchChat(this.store, (c) => ({ outgoing: c.outgoing.filter((o) => o.clientId !== clientId) }));

  editMessage = (id: string, text: string) => this.command('edit-chat-message', { id, text });
  deleteMessage = (id: string) => this.command('delete-chat-message', { id });
  setChatOpen = (open: boolean) => patchChat(this.store, (c) => ({ open, unread: open ? 0 : c.unread }));

  private upsert(p: Participant) {
    const { self, others } = this.store.getState().participants;
    if (self && p.socketId === self.socketId) {
      patchParticipants(this.store, () => ({ self: p }));
      return;
    }
    const before = Object.values(others).find((o) => o.userId === p.userId);
    if (p.isHandRaised && !before?.isHandRaised && (self?.role === 'tutor' || self?.role === 'admin')) {
      patchUi(this.store, { announcement: `${p.name} raised a hand`, notice: `${p.name} raised a hand` });
    }
    patchParticipants(this.store, (s) => ({ others: { ...s.others, [p.socketId]: p } }));
    this.syncTopology();
  }

  /** A student's camera at the large-class size from now on (the star or the media server). */
  private capStudentVideo() {
    if (this.studentVideoCapped) return;
    this.studentVideoCapped = true;
    void capVideo(this.localStream, largeClassStudentVideo);
  }

  private syncTopology() {
    const state = this.store.getState();
    const { self } = state.participants;
    if (!self) return;
    const others = selectOthers(state);
    // Past the mesh, a student's video goes to the tutor only, shown as one tile of many: the size
    // the media server mode sends is enough, and it spares the tutor's machine decoding every
    // student at full size. Once capped, it stays so for the session (never raised mid-class).
    if (self.role === 'student' && isStar(selectStudentCount(state))) this.capStudentVideo();
    this.topology.sync(self, others);
  }

  /** The connection dropped: links to the old socket ids are dead, but the class stays on screen until we are back. */
  private resetClass() {
    this.topology.close();
    this.topology = this.createTopology(this.topologyMode);
    this.topology.setLocalStream(this.localStream);
    const others = this.store.getState().participants.others;
    for (const id of Object.keys(others)) this.streams.set(id, null);
    patchParticipants(this.store, () => ({
      links: Object.fromEntries(Object.keys(others).map((id) => [id, 'reconnecting' as const])),
      speaking: {},
    }));
  }

  private request<E extends ClientEventName>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Ack<ClientAcks[E]>> {
    const socket = this.socket;
    if (!socket?.connected) {
      return Promise.resolve({ ok: false, error: { code: 'not_in_session', message: 'Not connected to the class.' } });
    }
    return new Promise((resolve) => {
      const timed = socket.timeout(10_000) as unknown as { emit(event: string, ...args: unknown[]): void };
      timed.emit(event, payload, (err: Error | null, response: Ack<ClientAcks[E]>) => {
        resolve(err ? { ok: false, error: { code: 'internal', message: 'The server did not answer.' } } : response);
      });
    });
  }

  /** Runs a command; a refusal becomes a notice the user can read. */
  private async command<E extends ClientEventName>(event: E, payload: Parameters<ClientToServerEvents[E]>[0]) {
    const res = await this.request(event, payload);
    if (!res.ok) patchUi(this.store, { notice: res.error.message });
    return res;
  }

  private setTrack(kind: 'audio' | 'video', enabled: boolean) {
    const tracks = kind === 'audio' ? this.localStream?.getAudioTracks() : this.localStream?.getVideoTracks();
    tracks?.forEach((t) => (t.enabled = enabled));
    patchMedia(this.store, kind === 'audio' ? { audioOn: enabled } : { videoOn: enabled });
  }

  // ---- commands

  setMicrophone = (enabled: boolean) => this.setDevice('audio', enabled);
  setCamera = (enabled: boolean) => this.setDevice('video', enabled);

  private hasTrack(kind: 'audio' | 'video') {
    return !!(kind === 'audio' ? this.localStream?.getAudioTracks() : this.localStream?.getVideoTracks())?.length;
  }

  private async setDevice(kind: 'audio' | 'video', enabled: boolean) {
    if (enabled && !this.hasTrack(kind)) await this.addDevice(kind);
    if (enabled && !this.hasTrack(kind)) return;
    this.setTrack(kind, enabled);
    const res = await this.command(kind === 'audio' ? 'toggle-audio' : 'toggle-video', { enabled });
    // Refused (a lock): the device goes back off, for real.
    if (!res.ok && enabled) this.setTrack(kind, false);
  }

  /** Someone who started without a device (an admin, a denied permission) turns one on. */
  private async addDevice(kind: 'audio' | 'video') {
    const had = { audio: this.hasTrack('audio'), video: this.hasTrack('video') };
    const want = { audio: had.audio || kind === 'audio', video: had.video || kind === 'video' };
    const previous = this.localStream;
    await this.openMedia(want);
    if (previous !== this.localStream) stopStream(previous);
    const { audioOn, videoOn } = this.store.getState().media;
    // Keep what was off, off.
    if (had.audio && !audioOn) this.setTrack('audio', false);
    if (had.video && !videoOn) this.setTrack('video', false);
  }

  raiseHand = () => this.command('raise-hand', {});
  lowerHand = (socketId?: string) => this.command('lower-hand', socketId ? { socketId } : {});
  muteParticipant = (socketId: string) => this.command('mute-participant', { socketId });
  muteAll = () => this.command('mute-all', {});
  lowerAllHands = () => this.command('lower-all-hands', {});
  lockMedia = (kind: 'audio' | 'video', locked: boolean) => this.command('lock-media', { kind, locked });
  askUnmute = (socketId: string) => this.command('ask-unmute', { socketId });
  giveFloor = (socketId: string) => this.command('give-floor', { socketId });
  takeFloorBack = () => this.command('take-floor-back', {});
  removeParticipant = (socketId: string, reason?: string) =>
    this.command('remove-participant', reason ? { socketId, reason } : { socketId });

  /** Answers a moderator's request to unmute: the choice is the student's. */
  async answerUnmuteRequest(unmute: boolean) {
    patchUi(this.store, { unmuteRequestBy: null });
    if (unmute) await this.setMicrophone(true);
  }
  retryLink = (socketId: string) => this.topology.retry(socketId);
  /** Moves the class to the media server now (a tutor expecting a large class). */
  useMediaServer = () => this.command('set-media-mode', { mode: 'sfu' });
  /** The grid says which remote tiles are on screen: in a large class only those are received. */
  setOnScreen = (socketIds: string[] | null) => {
    const same =
      socketIds === this.onScreen ||
      (socketIds && this.onScreen && socketIds.length === this.onScreen.length && socketIds.every((id, i) => id === this.onScreen?.[i]));
    if (same) return;
    this.onScreen = socketIds;
    this.topology.setOnScreen(socketIds);
  };
  dismissNotice = () => patchUi(this.store, { notice: null });
  setSoundBlocked = (soundBlocked: boolean) => patchMedia(this.store, { soundBlocked });

  async leave() {
    await this.request('leave-session', {});
    this.end({ kind: 'left' });
  }

  private end(ending: NonNullable<ReturnType<ClassroomStore['getState']>['ui']['ending']>) {
    patchUi(this.store, { ending });
    this.stop();
  }

  /** Closes everything this client opened. */
  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.topology.close();
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    stopStream(this.localStream);
    this.localStream = null;
    this.streams.clear();
    this.disposers.splice(0).forEach((dispose) => dispose());
  }
}
