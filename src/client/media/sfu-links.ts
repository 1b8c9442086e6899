import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { Instance as Peer } from 'simple-peer';
import type { Jsep, Participant, SfuReply, SfuRequest } from '../../protocol';
import { isSfuReply, sfuPeer } from '../../protocol/sfu-peer';
import type { LinkState } from '../store';
import { watchForSilence } from './silent-media';
import type { MediaTopology, TopologyEvents } from './topology';

/** One connection to the media server: our publication, or one participant's media we receive. */
interface Link {
  id: string;
  peer: Peer | null;
  /** The participant received (for a subscription). */
  feed: string | null;
  connected: boolean;
  /** Stops the watch for media that never arrives (a subscription). */
  stopWatch?: () => void;
}

const maxAutomaticRetries = 6;
/**
 * How long a subscription's media may take to arrive once its stream is announced. Seen under load
 * (21 pages on two cores): a subscription whose connection came up but through which the media
 * server sent nothing for 20-30 s, tracks muted, while its classmates' played.
 */
const mediaArrivalMs = 12_000;
const backoffMs = (attempt: number) => Math.min(400 * 2 ** attempt, 8000);

/** Calls `up` once the media connection is established. */
function onIceUp(peer: Peer, up: () => void) {
  let done = false;
  peer.on('iceStateChange', (state: RTCIceConnectionState) => {
    if (done || (state !== 'connected' && state !== 'completed')) return;
    done = true;
    up();
  });
}

/** A participant sends media only while something is on, or as the tutor (whose camera the class waits for). */
const sendsMedia = (p: Participant) => p.isAudioOn || p.isVideoOn;

/**
 * Whom this participant receives in a large class: a student the tutor and admins who publish; the
 * tutor and admins every participant whose tile is on screen.
 */
export function feedsWanted(self: Participant, others: Participant[], onScreen: ReadonlySet<string> | null): string[] {
  return others
    .filter((p) => p.presence === 'online' && sendsMedia(p))
    .filter((p) => (self.role === 'student' ? p.role !== 'student' : !onScreen || onScreen.has(p.socketId)))
    .map((p) => p.socketId);
}

/**
 * Media through the media server (Janus) for large classes: one publication, whatever the class
 * size, and one subscription per participant received. simple-peer is the peer object for both:
 * the publication dials (its offer goes to the server), a subscription answers the server's offer.
 * A renewed subscription replaces the old one only once its media arrives, so a tile never blanks.
 */
export function createSfuLinks(options: TopologyEvents): MediaTopology {
  let self: Participant | null = null;
  let others: Participant[] = [];
  let onScreen: Set<string> | null = null;
  let localStream: MediaStream | null = null;
  let publication: Link | null = null;
  /** The subscription showing each feed, and one being set up to replace it. */
  const current = new Map<string, Link>();
  const pending = new Map<string, Link>();
  const retries = new Map<string, number>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let counter = 0;
  let closed = false;

  const send = (request: SfuRequest) => options.sendSignal(sfuPeer, request);
  const newId = (what: string) => `${self?.socketId ?? 'me'}:${what}:${++counter}`;

  const cancelTimer = (key: string) => {
    clearTimeout(timers.get(key));
    timers.delete(key);
  };
  const later = (key: string, attempt: number, fn: () => void) => {
    cancelTimer(key);
    timers.set(key, setTimeout(() => { timers.delete(key); fn(); }, backoffMs(attempt)));
  };

  function destroy(link: Link, tellServer: boolean) {
    link.stopWatch?.();
    if (link.peer) {
      link.peer.removeAllListeners();
      link.peer.on('error', () => undefined);
      link.peer.destroy();
    }
    if (tellServer) send({ kind: 'close', link: link.id });
  }

  // ---- publishing

  const publishKey = 'publish';

  function publish() {
    if (closed || !self) return;
    if (publication) destroy(publication, true);
    publication = null;
    cancelTimer(publishKey);
    if (!localStream) return;
    const link: Link = { id: newId('pub'), peer: null, feed: null, connected: false };
    const peer: Peer = new SimplePeer({
      initiator: true,
      trickle: false,
      stream: localStream,
      config: { iceServers: options.iceServers },
    });
    link.peer = peer;
    publication = link;
    peer.on('signal', (signal: { type?: string; sdp?: string }) => {
      // The media server takes one offer per publication; a renegotiation is a new publication.
      if (signal.type === 'offer' && signal.sdp && !link.connected) send({ kind: 'publish', link: link.id, jsep: { type: 'offer', sdp: signal.sdp } });
    });
    onIceUp(peer, () => {
      link.connected = true;
      retries.delete(publishKey);
    });
    const lost = () => {
      if (publication !== link) return;
      republishLater();
    };
    peer.on('close', lost);
    peer.on('error', lost);
  }

  function republishLater() {
    if (publication) destroy(publication, true);
    publication = null;
    if (closed) return;
    const n = retries.get(publishKey) ?? 0;
    retries.set(publishKey, n + 1);
    later(publishKey, Math.min(n, maxAutomaticRetries), publish);
  }

  // ---- receiving

  const linkState = (feed: string, state: LinkState | null) => options.onLinkState(feed, state);

  function subscribe(feed: string) {
    if (closed) return;
    cancelTimer(feed);
    const stale = pending.get(feed);
    if (stale) destroy(stale, true);
    const link: Link = { id: newId(`sub:${feed}`), peer: null, feed, connected: false };
    pending.set(feed, link);
    if (!current.has(feed)) linkState(feed, 'connecting');
    send({ kind: 'subscribe', link: link.id, feed });
  }

  function answerOffer(link: Link, offer: Jsep) {
    const feed = link.feed as string;
    const peer: Peer = new SimplePeer({ initiator: false, trickle: false, config: { iceServers: options.iceServers } });
    link.peer = peer;
    peer.on('signal', (signal: { type?: string; sdp?: string }) => {
      // A subscription only receives: nothing to renegotiate from this side.
      if (signal.type === 'answer' && signal.sdp) send({ kind: 'answer', link: link.id, jsep: { type: 'answer', sdp: signal.sdp } });
    });
    peer.on('stream', (stream: MediaStream) => {
      // Renewed like a lost one, so the tile does not stay black for good.
      link.stopWatch?.();
      link.stopWatch = watchForSilence(stream.getTracks(), mediaArrivalMs, () => linkLost(feed, link));
      if (pending.get(feed) === link) promote(feed, link);
      if (current.get(feed) === link) options.onRemoteStream(feed, stream);
    });
    // Janus offers subscriptions no data channel, so simple-peer's `connect` never comes: ICE says it.
    onIceUp(peer, () => {
      link.connected = true;
      retries.delete(feed);
      if (current.get(feed) === link) linkState(feed, 'connected');
    });
    const lost = () => linkLost(feed, link);
    peer.on('close', lost);
    peer.on('error', lost);
    peer.signal(offer as never);
  }

  /** The new subscription has media: it takes the tile over and the old one goes. */
  function promote(feed: string, link: Link) {
    pending.delete(feed);
    const old = current.get(feed);
    if (old && old !== link) destroy(old, true);
    current.set(feed, link);
    linkState(feed, link.connected ? 'connected' : 'connecting');
  }

  function drop(feed: string) {
    cancelTimer(feed);
    retries.delete(feed);
    for (const links of [current, pending]) {
      const link = links.get(feed);
      if (link) destroy(link, true);
      links.delete(feed);
    }
    options.onRemoteStream(feed, null);
    linkState(feed, null);
  }

  function linkLost(feed: string, link: Link) {
    const wasCurrent = current.get(feed) === link;
    if (!wasCurrent && pending.get(feed) !== link) return;
    destroy(link, true);
    if (wasCurrent) {
      current.delete(feed);
      options.onRemoteStream(feed, null);
    } else pending.delete(feed);
    if (closed || !wanted().includes(feed)) return;
    if (pending.has(feed)) return;
    const n = retries.get(feed) ?? 0;
    if (n >= maxAutomaticRetries) {
      linkState(feed, 'failed');
      return;
    }
    retries.set(feed, n + 1);
    linkState(feed, 'reconnecting');
    later(feed, n, () => subscribe(feed));
  }

  const wanted = () => (self ? feedsWanted(self, others, onScreen) : []);

  function reconcile() {
    if (closed || !self) return;
    const want = new Set(wanted());
    for (const feed of new Set([...current.keys(), ...pending.keys(), ...timers.keys()])) {
      if (feed !== publishKey && !want.has(feed)) drop(feed);
    }
    for (const feed of want) if (!current.has(feed) && !pending.has(feed) && !timers.has(feed)) subscribe(feed);
  }

  function onReply(reply: SfuReply) {
    if (reply.kind === 'talking') {
      options.onSpeaking?.(reply.feed, reply.talking);
      return;
    }
    if (reply.kind === 'feed') {
      // Someone (re)published: renew a subscription to them, unless one is waiting for Janus now
      // (it will get the new publication; one with an offer already may have the old one).
      const waiting = pending.get(reply.feed);
      if (wanted().includes(reply.feed) && (!waiting || waiting.peer)) subscribe(reply.feed);
      return;
    }
    if (publication?.id === reply.link) {
      if (reply.kind === 'answer') publication.peer?.signal(reply.jsep as never);
      else if (reply.kind === 'closed') republishLater();
      return;
    }
    const link = [...pending.values(), ...current.values()].find((l) => l.id === reply.link);
    if (!link?.feed) return;
    if (reply.kind === 'offer' && !link.peer) answerOffer(link, reply.jsep);
    else if (reply.kind === 'closed') linkLost(link.feed, link);
  }

  return {
    sync(nextSelf, nextOthers) {
      if (closed) return;
      const first = !self;
      self = nextSelf;
      others = nextOthers;
      if (first && localStream) publish();
      reconcile();
    },

    receive(from, data) {
      if (closed || from !== sfuPeer) return;
      if (isSfuReply(data)) onReply(data);
    },

    setLocalStream(stream) {
      if (stream === localStream) return;
      localStream = stream;
      if (self) publish();
    },

    setOnScreen(socketIds) {
      onScreen = socketIds ? new Set(socketIds) : null;
      reconcile();
    },

    retry(feed) {
      retries.delete(feed);
      if (wanted().includes(feed)) subscribe(feed);
    },

    close() {
      closed = true;
      for (const key of [...timers.keys()]) cancelTimer(key);
      for (const link of [...current.values(), ...pending.values()]) destroy(link, true);
      current.clear();
      pending.clear();
      if (publication) destroy(publication, true);
      publication = null;
    },
  };
}
