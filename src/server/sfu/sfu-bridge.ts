import type { Logger } from 'pino';
import type { Jsep, SfuReply, SfuRequest } from '../../protocol';
import type { Forwarding, PublishedStreams } from '../classroom/class-state';
import { type JanusClient, JanusError, type JanusHandle, type JanusSession } from './janus-api';
import { publishedStreams } from './sdp';

const videoroom = 'janus.plugin.videoroom';

/** VideoRoom's error codes that mean "already so" or "already gone": nothing to do. */
const noSuchRoom = 426;
const roomExists = 427;
const noSuchFeed = 428;
const idExists = 436;

/** A member of a class, as the media server knows them: the room is the class, the publisher id the socket. */
export interface SfuMember {
  classId: string;
  socketId: string;
  name: string;
}

export interface SfuBridgeDeps {
  janus: JanusClient;
  log: Logger;
  /**
   * A publication is up: record where its streams are (for moderation from any node) and say what
   * may be forwarded of this member now (a muted student stays muted), or null if they are gone.
   */
  published(member: SfuMember, streams: PublishedStreams): Promise<Forwarding | null>;
  /** Tells everyone in the class something about the media server (a feed that is up again). */
  announce(classId: string, reply: SfuReply): void;
  /** A subscription asked for before its publisher is up is tried again this often. */
  feedWait?: { attempts: number; delayMs: number };
  /** Each class's room: per-publisher bitrate cap (bits/s). */
  bitrate?: number;
}

/**
 * This node's side of the media server (Janus VideoRoom): one Janus session, a room per class, a
 * publisher per member who sends, a subscriber per (member, feed) received. Browsers never talk to
 * Janus; their offers and answers come through the `signal` path and go out through `reply`.
 */
export interface SfuBridge {
  /** One request from a member's browser; replies go to that browser. Never throws: failures close the link. */
  handle(member: SfuMember, request: SfuRequest, reply: (r: SfuReply) => void): Promise<void>;
  /** A member's socket left this node: its links close, its media stops being forwarded. */
  release(socketId: string): Promise<void>;
  /** The class state decided what may be forwarded of a member (a mute, a lock, a camera turned off). */
  forward(classId: string, forwarding: Forwarding, streams: PublishedStreams | undefined): Promise<void>;
  /** A removed member: the media server drops their publication at once, whichever node held it. */
  kick(classId: string, socketId: string): Promise<void>;
  /**
   * Who is in the class's room on the media server, as Janus itself reports it; `sending` once their
   * media flows (a publication whose connection is up).
   */
  roomMembers(classId: string): Promise<Array<{ socketId: string; name: string; sending: boolean }>>;
  /** The class emptied: its room goes. */
  endClass(classId: string): Promise<void>;
  close(): Promise<void>;
}

interface Link {
  id: string;
  socketId: string;
  classId: string;
  handle: JanusHandle;
  kind: 'publisher' | 'subscriber';
  stopEvents: () => void;
}

const isJanusCode = (err: unknown, ...codes: number[]) => err instanceof JanusError && codes.includes(err.code);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createSfuBridge({
  janus,
  log,
  published,
  announce,
  feedWait = { attempts: 40, delayMs: 250 },
  bitrate = 400_000,
}: SfuBridgeDeps): SfuBridge {
  let session: Promise<JanusSession> | null = null;
  let control: Promise<JanusHandle> | null = null;
  const rooms = new Map<string, Promise<void>>();
  /** Who Janus last said is speaking, per class: every publisher's handle hears it, the class once. */
  const speaking = new Map<string, Set<string>>();
  /** By `${socketId} ${linkId}`. */
  const links = new Map<string, Link>();
  let closed = false;

  const key = (socketId: string, linkId: string) => `${socketId} ${linkId}`;

  function openSession(): Promise<JanusSession> {
    if (!session) {
      const opening = janus.createSession();
      session = opening;
      opening
        .then((s) =>
          s.onClosed((reason) => {
            // Janus restarted or the session timed out: every link on it is dead; the browsers re-publish
            // and re-subscribe when their links close.
            log.warn({ reason }, 'media server session closed');
            if (session === opening) {
              session = null;
              control = null;
              rooms.clear();
            }
          }),
        )
        .catch(() => {
          if (session === opening) session = null;
        });
    }
    return session;
  }

  /** A handle for requests that concern a room, not one member (create, moderate, kick, destroy). */
  function controlHandle(): Promise<JanusHandle> {
    if (!control) {
      const attaching = openSession().then((s) => s.attach(videoroom));
      control = attaching;
      attaching.catch(() => {
        if (control === attaching) control = null;
      });
    }
    return control;
  }

  function ensureRoom(classId: string): Promise<void> {
    let ready = rooms.get(classId);
    if (!ready) {
      ready = (async () => {
        const handle = await controlHandle();
        try {
          await handle.request({
            request: 'create',
            room: classId,
            description: `class ${classId}`,
            publishers: 100,
            bitrate,
            fir_freq: 10,
            audiocodec: 'opus',
            videocodec: 'vp8',
            notify_joining: false,
            // Janus tells who is speaking: the tutor's grid puts speakers on its first page.
            audiolevel_event: true,
            audio_active_packets: 50,
            audio_level_average: 50,
          });
        } catch (err) {
          // Another node of the cluster made it first.
          if (!isJanusCode(err, roomExists)) throw err;
        }
      })();
      rooms.set(classId, ready);
      ready.catch(() => rooms.delete(classId));
    }
    return ready;
  }

  function heardTalking(classId: string, socketId: string, talking: boolean) {
    let now = speaking.get(classId);
    if (!now) speaking.set(classId, (now = new Set()));
    if (now.has(socketId) === talking) return;
    if (talking) now.add(socketId);
    else now.delete(socketId);
    announce(classId, { kind: 'talking', feed: socketId, talking });
  }

  async function closeLink(link: Link) {
    if (links.get(key(link.socketId, link.id)) !== link) return;
    links.delete(key(link.socketId, link.id));
    link.stopEvents();
    await link.handle.detach().catch(() => undefined);
  }

  async function attach(member: SfuMember, id: string, kind: Link['kind'], reply: (r: SfuReply) => void): Promise<Link> {
    const handle = await (await openSession()).attach(videoroom);
    const link: Link = { id, socketId: member.socketId, classId: member.classId, handle, kind, stopEvents: () => undefined };
    link.stopEvents = handle.onEvent((event) => {
      if (event.janus === 'webrtcup' && kind === 'publisher') {
        announce(member.classId, { kind: 'feed', feed: member.socketId });
        return;
      }
      const said = event.data?.videoroom;
      if (kind === 'publisher' && (said === 'talking' || said === 'stopped-talking') && event.data?.id !== undefined) {
        heardTalking(member.classId, String(event.data.id), said === 'talking');
        return;
      }
      if (event.janus === 'hangup' || event.janus === 'detached') {
        if (links.get(key(member.socketId, id)) !== link) return;
        void closeLink(link);
        reply({ kind: 'closed', link: id, reason: event.janus === 'hangup' ? 'the media connection ended' : 'closed' });
      }
    });
    links.set(key(member.socketId, id), link);
    return link;
  }

  async function publish(member: SfuMember, id: string, jsep: Jsep, reply: (r: SfuReply) => void) {
    await ensureRoom(member.classId);
    // One publication per member: a new one (a new camera, a reconnect) replaces the old.
    for (const old of [...links.values()]) {
      if (old.socketId === member.socketId && old.kind === 'publisher') await closeLink(old);
    }
    const link = await attach(member, id, 'publisher', reply);
    const body = {
      request: 'joinandconfigure',
      room: member.classId,
      ptype: 'publisher',
      id: member.socketId,
      display: member.name,
      audio: true,
      video: true,
    };
    let answer;
    try {
      answer = await link.handle.message(body, jsep);
    } catch (err) {
      // A publication of this socket left on another node's session: it goes, this one takes its place.
      if (!isJanusCode(err, idExists)) throw err;
      await kick(member.classId, member.socketId);
      answer = await link.handle.message(body, jsep);
    }
    if (!answer.jsep) throw new Error('the media server sent no answer');
    const forwarding = await published(member, publishedStreams(jsep.sdp));
    if (forwarding) await forward(member.classId, forwarding, publishedStreams(jsep.sdp));
    reply({ kind: 'answer', link: id, jsep: answer.jsep as Jsep });
  }

  async function subscribe(member: SfuMember, id: string, feed: string, reply: (r: SfuReply) => void) {
    await ensureRoom(member.classId);
    const link = await attach(member, id, 'subscriber', reply);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const offer = await link.handle.message({
          request: 'join',
          room: member.classId,
          ptype: 'subscriber',
          streams: [{ feed }],
        });
        if (!offer.jsep) throw new Error('the media server sent no offer');
        // Closed while we waited: nobody wants it any more.
        if (links.get(key(member.socketId, id)) !== link) return;
        reply({ kind: 'offer', link: id, jsep: offer.jsep as Jsep });
        return;
      } catch (err) {
        // The publisher is not up yet (it joined a moment ago): wait for it, a bounded while.
        if (!isJanusCode(err, noSuchFeed) || attempt >= feedWait.attempts) throw err;
        if (links.get(key(member.socketId, id)) !== link) return;
        await sleep(feedWait.delayMs);
      }
    }
  }

  async function start(member: SfuMember, id: string, jsep: Jsep) {
    const link = links.get(key(member.socketId, id));
    if (!link || link.kind !== 'subscriber') throw new Error('no such subscription');
    await link.handle.message({ request: 'start' }, jsep);
  }

  async function kick(classId: string, socketId: string) {
    try {
      await (await controlHandle()).request({ request: 'kick', room: classId, id: socketId });
    } catch (err) {
      if (!isJanusCode(err, noSuchRoom, noSuchFeed)) throw err;
    }
  }

  async function forward(classId: string, forwarding: Forwarding, streams: PublishedStreams | undefined) {
    if (!streams) return;
    const handle = await controlHandle();
    for (const kind of ['audio', 'video'] as const) {
      const mid = streams[kind];
      if (mid === null) continue;
      try {
        await handle.request({ request: 'moderate', room: classId, id: forwarding.socketId, mid, mute: !forwarding[kind] });
      } catch (err) {
        // Not published (any more): nothing is forwarded anyway.
        if (!isJanusCode(err, noSuchRoom, noSuchFeed)) throw err;
      }
    }
  }

  return {
    async handle(member, request, reply) {
      if (closed) return;
      try {
        if (request.kind === 'publish') await publish(member, request.link, request.jsep, reply);
        else if (request.kind === 'subscribe') await subscribe(member, request.link, request.feed, reply);
        else if (request.kind === 'answer') await start(member, request.link, request.jsep);
        else {
          const link = links.get(key(member.socketId, request.link));
          if (link) await closeLink(link);
        }
      } catch (err) {
        const link = links.get(key(member.socketId, request.link));
        if (link) await closeLink(link);
        log.warn({ err, classId: member.classId, socketId: member.socketId, kind: request.kind }, 'media server request failed');
        if (request.kind !== 'close') reply({ kind: 'closed', link: request.link, reason: 'the media server could not set this up' });
      }
    },

    async release(socketId) {
      await Promise.all([...links.values()].filter((l) => l.socketId === socketId).map(closeLink));
    },

    forward: (classId, forwarding, streams) =>
      forward(classId, forwarding, streams).catch((err) => log.warn({ err, classId }, 'moderating on the media server failed')),

    kick: (classId, socketId) => kick(classId, socketId).catch((err) => log.warn({ err, classId }, 'kicking on the media server failed')),

    async roomMembers(classId) {
      try {
        const res = await (await controlHandle()).request<{ participants?: Array<{ id: string; display?: string; publisher?: boolean }> }>({
          request: 'listparticipants',
          room: classId,
        });
        return (res.participants ?? []).map((p) => ({ socketId: String(p.id), name: p.display ?? '', sending: !!p.publisher }));
      } catch (err) {
        if (isJanusCode(err, noSuchRoom)) return [];
        throw err;
      }
    },

    async endClass(classId) {
      // Whichever node saw the class empty closes the room, even if another node opened it.
      rooms.delete(classId);
      speaking.delete(classId);
      try {
        await (await controlHandle()).request({ request: 'destroy', room: classId });
      } catch (err) {
        if (!isJanusCode(err, noSuchRoom)) log.warn({ err, classId }, 'closing the class room on the media server failed');
      }
    },

    async close() {
      closed = true;
      await Promise.all([...links.values()].map(closeLink));
      const open = session;
      session = null;
      control = null;
      rooms.clear();
      if (open) await open.then((s) => s.destroy()).catch(() => undefined);
    },
  };
}
