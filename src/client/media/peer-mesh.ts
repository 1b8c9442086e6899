import SimplePeer from 'simple-peer/simplepeer.min.js';
import type { Instance as Peer } from 'simple-peer';
import type { Participant } from '../../protocol';
import { classmateAfterTutorMaxWaitMs, classmateDialMaxWaitMs, dialDelayMs, dialsFirst, shouldLink } from '../../protocol/topology';
import type { MediaTopology, TopologyEvents } from './topology';

/** The envelope of every signal between two browsers: which link (attempt) it belongs to. */
interface LinkSignal {
  link: string;
  signal: object & { type?: string };
}

interface Link {
  id: string;
  peer: Peer;
  dialer: boolean;
}

const maxAutomaticRetries = 5;
const backoffMs = (attempt: number) => Math.min(500 * 2 ** attempt, 8000);

function isLinkSignal(data: unknown): data is LinkSignal {
  const d = data as LinkSignal | null;
  return typeof d?.link === 'string' && typeof d.signal === 'object' && d.signal !== null;
}

export type PeerMeshOptions = TopologyEvents;

/**
 * Direct peer links: everyone to the tutor, and students to each other while the class is small
 * (`shouldLink`). The later joiner dials, every link attempt has its own id, and a link that fails
 * is dialled again with backoff.
 */
export function createPeerMesh(options: PeerMeshOptions): MediaTopology {
  const links = new Map<string, Link>();
  const wanted = new Set<string>();
  const retries = new Map<string, number>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Dials waiting for the class's students to settle, and since when each has waited. */
  const waitingSince = new Map<string, number>();
  /** Classmate dials the students let through, waiting for the link to the tutor, and since when. */
  const afterTutorSince = new Map<string, number>();
  /** Links whose media flows (simple-peer's `connect`). */
  const connected = new Set<string>();
  /** The class's students as the last roster had them, to tell an arrival or a departure from other news. */
  let studentsKey = '';
  let self: Participant | null = null;
  let others = new Map<string, Participant>();
  let localStream: MediaStream | null = null;
  let attempt = 0;
  let closed = false;

  const cancelTimer = (socketId: string) => {
    clearTimeout(timers.get(socketId));
    timers.delete(socketId);
    waitingSince.delete(socketId);
  };

  function open(remote: string, id: string, dialer: boolean): Link {
    const peer: Peer = new SimplePeer({
      initiator: dialer,
      trickle: true,
      stream: localStream ?? undefined,
      config: { iceServers: options.iceServers },
      // Receive even when we send nothing (an admin watching, a student without a camera).
      offerOptions: { offerToReceiveAudio: true, offerToReceiveVideo: true },
    });
    const link: Link = { id, peer, dialer };
    links.set(remote, link);
    options.onLinkState(remote, 'connecting');
    peer.on('signal', (signal) => options.sendSignal(remote, { link: id, signal } satisfies LinkSignal));
    peer.on('stream', (stream: MediaStream) => options.onRemoteStream(remote, stream));
    peer.on('connect', () => {
      retries.delete(remote);
      connected.add(remote);
      options.onLinkState(remote, 'connected');
      if (others.get(remote)?.role === 'tutor') releaseClassmates();
    });
    const lost = () => {
      if (links.get(remote) === link) linkLost(remote);
    };
    peer.on('close', lost);
    peer.on('error', lost);
    return link;
  }

  function drop(remote: string) {
    cancelTimer(remote);
    afterTutorSince.delete(remote);
    connected.delete(remote);
    const link = links.get(remote);
    if (!link) return;
    links.delete(remote);
    link.peer.removeAllListeners();
    link.peer.on('error', () => undefined);
    link.peer.destroy();
    options.onRemoteStream(remote, null);
  }

  function dial(remote: string) {
    if (closed || !self) return;
    drop(remote);
    open(remote, `${self.socketId}:${++attempt}`, true);
  }

  /**
   * Dials now, or once the class's students have stayed the same for `delayMs`: `sync` starts the
   * wait again when one arrives or leaves, and drops it when the link is no longer wanted. No dial
   * waits longer than `classmateDialMaxWaitMs` in all.
   */
  function dialSoon(remote: string, delayMs: number) {
    if (delayMs <= 0) {
      dial(remote);
      return;
    }
    const now = Date.now();
    const waitedSince = waitingSince.get(remote);
    cancelTimer(remote);
    // A link already waiting is already shown as connecting: waiting again tells the page nothing new.
    if (waitedSince === undefined) options.onLinkState(remote, 'connecting');
    const since = waitedSince ?? now;
    waitingSince.set(remote, since);
    const wait = Math.min(delayMs, Math.max(0, since + classmateDialMaxWaitMs - now));
    timers.set(remote, setTimeout(() => { timers.delete(remote); dialAfterTutor(remote); }, wait));
  }

  /** This page has a tutor whose link it wants and is not up yet (one that failed counts: the wait is bounded). */
  function tutorLinkOpening(): boolean {
    for (const [id, p] of others) if (p.role === 'tutor' && wanted.has(id) && !connected.has(id)) return true;
    return false;
  }

  /** A classmate dial the students let through: now, or once the tutor's link is up (bounded). */
  function dialAfterTutor(remote: string) {
    const now = Date.now();
    const since = afterTutorSince.get(remote) ?? now;
    if (!tutorLinkOpening() || now - since >= classmateAfterTutorMaxWaitMs) {
      dial(remote);
      return;
    }
    afterTutorSince.set(remote, since);
    timers.set(remote, setTimeout(() => { timers.delete(remote); dialAfterTutor(remote); }, since + classmateAfterTutorMaxWaitMs - now));
  }

  /** The tutor's link is up, or the tutor is gone: the classmates waiting for it dial now. */
  function releaseClassmates() {
    if (afterTutorSince.size === 0 || tutorLinkOpening()) return;
    for (const remote of [...afterTutorSince.keys()]) {
      cancelTimer(remote);
      dial(remote);
    }
  }

  function linkLost(remote: string) {
    const link = links.get(remote);
    drop(remote);
    if (closed || !wanted.has(remote)) return;
    const other = others.get(remote);
    if (!link?.dialer || !other || !self || !dialsFirst(self, other)) {
      // The other end dials again; we wait for its offer.
      options.onLinkState(remote, 'reconnecting');
      return;
    }
    const n = retries.get(remote) ?? 0;
    if (n >= maxAutomaticRetries) {
      options.onLinkState(remote, 'failed');
      return;
    }
    retries.set(remote, n + 1);
    options.onLinkState(remote, 'reconnecting');
    timers.set(remote, setTimeout(() => { timers.delete(remote); dial(remote); }, backoffMs(n)));
  }

  return {
    sync(nextSelf, nextOthers) {
      if (closed) return;
      self = nextSelf;
      others = new Map(nextOthers.map((p) => [p.socketId, p]));
      const studentIds = [nextSelf, ...nextOthers].filter((p) => p.role === 'student').map((p) => p.socketId);
      const students = studentIds.length;
      for (const remote of [...links.keys(), ...wanted]) {
        const other = others.get(remote);
        if (!other || !shouldLink(nextSelf, other, students)) {
          wanted.delete(remote);
          retries.delete(remote);
          drop(remote);
          options.onLinkState(remote, null);
        }
      }
      const nextStudentsKey = studentIds.sort().join(' ');
      if (nextStudentsKey !== studentsKey) {
        studentsKey = nextStudentsKey;
        // The students changed: the dials still waiting wait again (a hand or a mute does not count).
        for (const remote of [...waitingSince.keys()]) {
          const other = others.get(remote);
          if (other) dialSoon(remote, dialDelayMs(nextSelf, other));
        }
      }
      for (const other of nextOthers) {
        if (!shouldLink(nextSelf, other, students) || wanted.has(other.socketId)) continue;
        wanted.add(other.socketId);
        if (dialsFirst(nextSelf, other)) dialSoon(other.socketId, dialDelayMs(nextSelf, other));
        else if (!links.has(other.socketId)) options.onLinkState(other.socketId, 'connecting');
      }
      // The tutor may have left: classmates waiting for that link wait no longer.
      releaseClassmates();
    },

    receive(from, data) {
      if (closed || !isLinkSignal(data)) return;
      const current = links.get(from);
      if (current?.id === data.link) {
        current.peer.signal(data.signal as never);
        return;
      }
      if (data.signal.type === 'redial') {
        const other = others.get(from);
        if (other && self && wanted.has(from) && dialsFirst(self, other)) dial(from);
        return;
      }
      // A new attempt from the other end starts with its offer; anything else is from a dead attempt.
      if (data.signal.type !== 'offer' || !others.has(from)) return;
      drop(from);
      open(from, data.link, false).peer.signal(data.signal as never);
    },

    setLocalStream(stream) {
      const previous = localStream;
      localStream = stream;
      for (const { peer } of links.values()) {
        try {
          if (previous) peer.removeStream(previous);
          if (stream) peer.addStream(stream);
        } catch {
          // A link that cannot renegotiate is rebuilt by its error handler.
        }
      }
    },

    setOnScreen() {
      // A small class shows everyone: every link stays open.
    },

    retry(remote) {
      retries.delete(remote);
      const other = others.get(remote);
      if (!other || !self || !wanted.has(remote)) return;
      // Only the dialling end opens a link; the other end asks it to.
      if (dialsFirst(self, other)) dial(remote);
      else options.sendSignal(remote, { link: 'redial', signal: { type: 'redial' } } satisfies LinkSignal);
    },

    close() {
      closed = true;
      for (const remote of [...links.keys()]) drop(remote);
      for (const remote of [...timers.keys()]) cancelTimer(remote);
      afterTutorSince.clear();
      wanted.clear();
    },
  };
}
