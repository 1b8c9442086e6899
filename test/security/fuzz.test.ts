import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  type Ack,
  clientEventSchemas,
  type ClientEventName,
  limits,
  type Role,
  type ServerEventName,
} from '../../src/protocol';
import { type ChatStore, createMemoryChatStore } from '../../src/server/chat/chat-store';
import { admits } from '../../src/server/classroom/identity';
import { type Bucket, defaultRates, type RateKind, rateKindOf } from '../../src/server/transport/rate-limiter';
import {
  emitAck,
  expectOk,
  joinAs,
  nextEvent,
  record,
  rosterOf,
  settle,
  startTestServer,
  type TestServer,
  type TestSocket,
} from '../helpers/server';
import { isContractFailure, type Prng, prng, RawClient, sleep } from './support';

/** Replay a failure with FUZZ_SEED=<the seed in the failure message>. */
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2024);
const EVENTS_PER_SOCKET = 1600;
/** Events in flight per socket at once. */
const BATCH = 32;

const A = 'fuzz-a';
const B = 'fuzz-b';
const C = 'fuzz-c';

/** Generous limits: validation and the rules, not the limiter, answer every fuzz event. */
const generous = Object.fromEntries(
  Object.keys(defaultRates).map((kind) => [kind, { burst: 1e9, perSecond: 1e9 }]),
) as Record<RateKind, Bucket>;

const knownEvents = Object.keys(clientEventSchemas) as ClientEventName[];
/** Names no handler listens to (socket.io-client refuses the reserved ones itself; see the raw test). */
const unknownEvents: unknown[] = [
  'drop-table',
  '',
  ' ',
  'JOIN-SESSION',
  'join-session ',
  'chat_message',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'then',
  'emit',
  'onevent',
  'x'.repeat(300),
  '\u0000',
  '💥',
  42,
  0,
  -1,
];

/** Keys that would pollute a prototype if the server merged payloads into objects. */
const POLLUTION_KEYS = ['fuzzPolluted', 'isAdmin'];

/** Server-to-client events the real clients must never hear during the fuzz. */
const neverDuringFuzz: ServerEventName[] = [
  'user-joined',
  'user-left',
  'force-mute',
  'force-video-off',
  'session-replaced',
  'removed',
  'class-updated',
  'unmute-requested',
  'chat-message',
  'chat-message-updated',
  'chat-message-deleted',
  'server-restarting',
];

/** A memory chat store that counts every write, so "the fuzz wrote nothing" covers every class id. */
function countingChatStore() {
  const inner = createMemoryChatStore();
  const counter = { writes: 0 };
  const store: ChatStore = {
    ...inner,
    append: (m) => (counter.writes++, inner.append(m)),
    edit: (id, text) => (counter.writes++, inner.edit(id, text)),
    remove: (id) => (counter.writes++, inner.remove(id)),
  };
  return { store, inner, counter };
}

interface FuzzSocket {
  name: string;
  socket: TestSocket;
  role: Role;
  /** The class the socket's token admits to. */
  tokenClass: string;
  /** The class it joined, if any. */
  joined?: string;
}

/** Exactly what the server receives: the args after Socket.IO's encoder and decoder. */
function overTheWire(event: unknown, args: unknown[]): { args: unknown[]; bytes: number } {
  const encoded = new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data: [event, ...args], id: 1 }) as Array<
    string | Buffer
  >;
  const bytes = encoded.reduce((n, part) => n + (typeof part === 'string' ? Buffer.byteLength(part) : part.length), 0);
  const decoder = new Decoder();
  let packet: Packet | undefined;
  decoder.on('decoded', (p: Packet) => {
    packet = p;
  });
  for (const part of encoded) decoder.add(part);
  decoder.destroy();
  if (!packet) throw new Error('the packet did not decode');
  return { args: (packet.data as unknown[]).slice(1), bytes };
}

/** An object with an own enumerable key (`__proto__` included), as JSON.parse would build it. */
function withOwn(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

function pollution(r: Prng): Record<string, unknown> {
  const payload = { fuzzPolluted: 'yes', isAdmin: true, role: 'admin' };
  switch (r.int(6)) {
    case 0:
      return JSON.parse('{"__proto__":{"fuzzPolluted":"yes","isAdmin":true}}') as Record<string, unknown>;
    case 1:
      return { constructor: { prototype: payload } };
    case 2:
      return JSON.parse('{"prototype":{"fuzzPolluted":1},"__proto__":{"role":"admin","isAdmin":true}}') as Record<string, unknown>;
    case 3:
      return { a: { b: { c: JSON.parse('{"__proto__":{"fuzzPolluted":"deep"}}') as unknown } } };
    case 4:
      return { constructor: { name: 'Object', prototype: { toString: 'x', valueOf: null, ...payload } } };
    default:
      return JSON.parse('{"__proto__":{"__proto__":{"fuzzPolluted":"twice"}},"constructor":{"prototype":{"isAdmin":1}}}') as Record<
        string,
        unknown
      >;
  }
}

function deep(r: Prng, depth = r.between(50, 1500)): unknown {
  let v: unknown = r.pick([null, 1, 'leaf', {}, []]);
  const asArray = r.chance(0.5);
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

const randomString = (r: Prng, n: number) => {
  const alphabet = 'abcXYZ019-_ .:/\\"\'<>&%\u0000\u202e😀é\ud800';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return s;
};

/** Strings just over a limit, and some far over it (but under the socket buffer). */
function overLimit(r: Prng): string {
  const limit = r.pick([limits.idLength, limits.nameLength, limits.chatTextLength, 200, limits.signalBytes]);
  return r.chance(0.8) ? 'y'.repeat(limit + 1) : 'z'.repeat(r.between(limit + 1, 70_000));
}

/** A value of the wrong kind. */
function weird(r: Prng, level = 0): unknown {
  switch (r.int(level > 2 ? 14 : 20)) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return r.chance(0.5);
    case 3:
      return r.pick([0, -0, 1, -1, 1.5, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2, 1e308, -1e-308]);
    case 4:
      return '';
    case 5:
      return randomString(r, r.between(1, 40));
    case 6:
      return r.chance(0.1) ? overLimit(r) : 'y'.repeat(limits.idLength + 1);
    case 7:
      return [];
    case 8:
      return {};
    case 9:
      return { length: 1e9, 0: 'a' };
    case 10:
      return { toJSON: 'not a function', valueOf: 'x', toString: 5 };
    case 11:
      return pollution(r);
    case 12:
      return r.pick(['true', 'null', '{}', '[]', '0', 'undefined', 'NaN']);
    case 13:
      return new Date(r.int(2 ** 40));
    case 14:
      return Array.from({ length: r.between(1, 5) }, () => weird(r, level + 1));
    case 15:
      return Object.fromEntries(Array.from({ length: r.between(1, 5) }, () => [randomString(r, 6), weird(r, level + 1)]));
    case 16:
      return deep(r);
    case 17:
      return Buffer.from(Array.from({ length: r.between(0, 64) }, () => r.int(256)));
    case 18:
      return Array.from({ length: r.between(100, 3000) }, () => r.int(10));
    default:
      return { sessionId: weird(r, level + 1), socketId: weird(r, level + 1), text: weird(r, level + 1) };
  }
}

interface Pools {
  sessionIds: string[];
  socketIds: () => string[];
  messageIds: string[];
}

/** A payload of the right shape for the event, built from realistic values. */
function template(r: Prng, event: ClientEventName, pools: Pools): Record<string, unknown> {
  const sessionId = () => r.pick(pools.sessionIds);
  const socketId = () => r.pick(pools.socketIds());
  const text = () => r.pick(['hello', 'x'.repeat(limits.chatTextLength), 'ünïcødé ✓', '<script>alert(1)</script>', ' a ']);
  switch (event) {
    case 'join-session':
      return { sessionId: sessionId(), isAudioOn: r.chance(0.5), isVideoOn: r.chance(0.5) };
    case 'get-session-users':
      return { sessionId: sessionId() };
    case 'signal':
      return {
        to: socketId(),
        data: r.chance(0.15)
          ? 's'.repeat(r.between(limits.signalBytes - 1, 78_000))
          : { link: randomString(r, 8), signal: r.chance(0.5) ? { type: 'offer', sdp: 'v=0\r\n' } : { candidate: 'c' } },
      };
    case 'toggle-audio':
    case 'toggle-video':
      return { enabled: r.chance(0.5) };
    case 'lower-hand':
      return r.chance(0.3) ? {} : { socketId: socketId() };
    case 'mute-participant':
    case 'ask-unmute':
    case 'give-floor':
      return { socketId: socketId() };
    case 'remove-participant':
      return r.chance(0.5) ? { socketId: socketId() } : { socketId: socketId(), reason: r.pick(['spam', 'r'.repeat(200), 'r'.repeat(201)]) };
    case 'lock-media':
      return { kind: r.pick(['audio', 'video']), locked: r.chance(0.5) };
    case 'chat-message':
      return { text: text() };
    case 'edit-chat-message':
      return { id: r.pick(pools.messageIds), text: text() };
    case 'delete-chat-message':
      return { id: r.pick(pools.messageIds) };
    default:
      return {};
  }
}

/** Breaks (or not) a template: the fuzz sends both broken payloads and well-formed ones it may not send. */
function mutate(r: Prng, payload: Record<string, unknown>, tags: Set<string>): unknown {
  const keys = Object.keys(payload);
  switch (r.int(9)) {
    case 0:
      tags.add('wrong-type');
      return weird(r);
    case 1:
      if (!keys.length) return weird(r);
      tags.add('missing-field');
      delete payload[r.pick(keys)];
      return payload;
    case 2:
      if (!keys.length) return weird(r);
      tags.add('field-wrong-type');
      payload[r.pick(keys)] = weird(r);
      return payload;
    case 3:
      if (!keys.length) return overLimit(r);
      tags.add('over-limit');
      payload[r.pick(keys)] = overLimit(r);
      return payload;
    case 4: {
      tags.add('pollution');
      const p = pollution(r);
      for (const key of Object.keys(p)) withOwn(payload, key, p[key]);
      if (keys.length && r.chance(0.5)) payload[r.pick(keys)] = pollution(r);
      return payload;
    }
    case 5:
      tags.add('forged-keys');
      return { ...payload, from: 'someone-else', userId: 'tutor-a', role: 'admin', isHandRaised: true, socketId: payload.socketId ?? 'x' };
    case 6:
      tags.add('deep');
      if (keys.length) payload[r.pick(keys)] = deep(r);
      else payload.nested = deep(r);
      return payload;
    case 7:
      tags.add('array-wrapped');
      return [payload];
    default:
      tags.add('well-formed');
      return payload;
  }
}

type Expectation = 'invalid' | 'refused' | 'may-succeed';

/**
 * What the server must answer to a payload from this socket: `invalid` (the schema refuses it),
 * `refused` (well-formed, but the rules refuse it: not in the class, forbidden, not found), or
 * `may-succeed` (a real command this socket is allowed: never sent, so the fuzz changes nothing).
 */
function expectation(
  who: FuzzSocket & { id: string },
  event: ClientEventName,
  wireArgs: unknown[],
  members: Map<string, Set<string>>,
): Expectation {
  const parsed = clientEventSchemas[event].safeParse(wireArgs.length === 0 ? {} : wireArgs[0]);
  if (!parsed.success) return 'invalid';
  const p = parsed.data as Record<string, unknown>;
  const identity = { userId: '', name: '', role: who.role, sessionId: who.tokenClass };
  if (event === 'join-session') return admits(identity, p.sessionId as string) ? 'may-succeed' : 'refused';
  // Only marks the socket (a later drop gets the short grace): anyone may say it. A new event that
  // succeeds outside a class needs a line here, or the fuzz reports its ok acks.
  if (event === 'page-closing') return 'may-succeed';
  if (!who.joined) return 'refused';
  // Only students are joined among the fuzz sockets: every moderation command is forbidden to them,
  // and none of them wrote a text message of their own.
  const inClass = members.get(who.joined) ?? new Set<string>();
  switch (event) {
    case 'get-session-users':
      return p.sessionId === who.joined ? 'may-succeed' : 'refused';
    case 'signal':
      return inClass.has(p.to as string) && p.to !== who.id ? 'may-succeed' : 'refused';
    case 'lower-hand':
      return p.socketId === undefined || p.socketId === who.id ? 'may-succeed' : 'refused';
    case 'toggle-audio':
    case 'toggle-video':
    case 'raise-hand':
    case 'leave-session':
    case 'chat-message':
      return 'may-succeed';
    default:
      return 'refused';
  }
}

const preview = (value: unknown) => {
  try {
    const s = JSON.stringify(value) ?? String(value);
    return s.length > 160 ? `${s.slice(0, 160)}…(${s.length})` : s;
  } catch {
    return '<unserializable>';
  }
};

const ack = <T = unknown>(socket: TestSocket, event: string, ...args: unknown[]) =>
  socket.timeout(15_000).emitWithAck(event, ...args) as Promise<T>;

/** Everything the fuzz may not change. */
async function snapshot(server: TestServer, chat: ChatStore) {
  return {
    classes: await server.store.list(),
    chat: await Promise.all([A, B, C].map((c) => chat.history(c, { limit: 1000 }))),
    prototypes: [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) =>
      Object.getOwnPropertyNames(p).sort(),
    ),
  };
}

describe('fuzzing the Socket.IO edge', () => {
  it(
    `${EVENTS_PER_SOCKET * 7} random and malformed events from 7 sockets change nothing, get contract errors, and a real class carries on (seed ${SEED})`,
    { timeout: 180_000 },
    async () => {
      const r = prng(SEED);
      const chat = countingChatStore();
      const server = await startTestServer({ rates: generous, chat: chat.store });

      // The real class: a tutor and a student who keep working throughout.
      const tutor = await joinAs(server, 'tutor', A, { userId: 'tutor-a', name: 'Ms A' });
      const student = await joinAs(server, 'student', A, { userId: 'student-a', name: 'Sam' });
      const tutorSaid = expectOk(await emitAck(tutor.socket, 'chat-message', { text: 'welcome' })).message;
      const studentSaid = expectOk(await emitAck(student.socket, 'chat-message', { text: 'hi' })).message;

      // The fuzzers: joined to the class, joined to another class, or not joined at all.
      const fuzzers: Array<FuzzSocket & { id: string }> = [];
      const addFuzzer = async (name: string, role: Role, tokenClass: string, join?: string) => {
        const socket = await server.connect(await server.mint(role, tokenClass, name, `fuzz-${name}`));
        if (join) expectOk(await emitAck(socket, 'join-session', { sessionId: join }));
        fuzzers.push({ name, socket, role, tokenClass, joined: join, id: socket.id as string });
      };
      await addFuzzer('student-in-a', 'student', A, A);
      await addFuzzer('student-in-b', 'student', B, B);
      await addFuzzer('student-not-joined', 'student', A);
      await addFuzzer('tutor-not-joined', 'tutor', A);
      await addFuzzer('student-of-c', 'student', C);
      await addFuzzer('admin-not-joined', 'admin', '*');
      await addFuzzer('student-a-in-b-token', 'student', B);

      const members = new Map<string, Set<string>>([
        [A, new Set([tutor.socket.id as string, student.socket.id as string, fuzzers[0].id])],
        [B, new Set([fuzzers[1].id])],
      ]);
      const history = await chat.inner.history(A);
      const pools: Pools = {
        sessionIds: [A, B, C, 'nobody-here', '*', '', 'a'.repeat(limits.idLength), 'a'.repeat(limits.idLength + 1), '../etc', 'fuzz a', 'class:fuzz-a', '__proto__', 'constructor'],
        socketIds: () => [
          tutor.socket.id as string,
          student.socket.id as string,
          ...fuzzers.map((f) => f.id),
          'class:fuzz-a',
          `class:${B}`,
          '__proto__',
          'constructor',
          '',
          's'.repeat(limits.idLength),
          's'.repeat(limits.idLength + 1),
          'no-such-socket',
        ],
        messageIds: [...history.map((m) => m.id), ...(await chat.inner.history(B)).map((m) => m.id), 'no-such-message', '', 'm'.repeat(limits.idLength + 1)],
      };
      expect(history.map((m) => m.id)).toEqual(expect.arrayContaining([tutorSaid.id, studentSaid.id]));

      await settle(tutor.socket, student.socket, ...fuzzers.map((f) => f.socket));
      const before = await snapshot(server, chat.inner);
      chat.counter.writes = 0;
      const heard = {
        tutor: neverDuringFuzz.map((e) => [e, record(tutor.socket, e)] as const),
        student: neverDuringFuzz.map((e) => [e, record(student.socket, e)] as const),
        fuzzerInA: (['signal', ...neverDuringFuzz] as ServerEventName[]).map((e) => [e, record(fuzzers[0].socket, e)] as const),
      };
      const tutorUpdates = record(tutor.socket, 'participant-updated');
      const tutorSignals = record(tutor.socket, 'signal');
      const studentSignals = record(student.socket, 'signal');

      // ---- the real class, running until the fuzz is over
      let fuzzing = true;
      const realProblems: string[] = [];
      let rounds = 0;
      const realClass = (async () => {
        while (fuzzing) {
          const round = rounds;
          const raised = await ack<{ ok: boolean; self?: { isHandRaised: boolean } }>(student.socket, 'raise-hand', {});
          if (!raised.ok || !raised.self?.isHandRaised) realProblems.push(`raise-hand: ${preview(raised)}`);
          const toTutor = nextEvent(tutor.socket, 'signal', { timeout: 15_000, where: (s) => (s.data as { round?: number }).round === round });
          const sent = await ack<{ ok: boolean }>(student.socket, 'signal', { to: tutor.socket.id, data: { link: 'l', round, signal: { type: 'offer' } } });
          if (!sent.ok) realProblems.push(`signal to tutor: ${preview(sent)}`);
          const got = await toTutor;
          if (got.from !== student.socket.id) realProblems.push(`signal from ${got.from}`);
          const toStudent = nextEvent(student.socket, 'signal', { timeout: 15_000, where: (s) => (s.data as { round?: number }).round === round });
          const answered = await ack<{ ok: boolean }>(tutor.socket, 'signal', { to: student.socket.id, data: { link: 'l', round, signal: { type: 'answer' } } });
          if (!answered.ok) realProblems.push(`signal to student: ${preview(answered)}`);
          if ((await toStudent).from !== tutor.socket.id) realProblems.push('answer from someone else');
          const lowered = await ack<{ ok: boolean; participant?: { isHandRaised: boolean } }>(student.socket, 'lower-hand', {});
          if (!lowered.ok || lowered.participant?.isHandRaised) realProblems.push(`lower-hand: ${preview(lowered)}`);
          for (const enabled of [false, true]) {
            const toggled = await ack<{ ok: boolean }>(tutor.socket, 'toggle-video', { enabled });
            if (!toggled.ok) realProblems.push(`toggle-video: ${preview(toggled)}`);
          }
          rounds += 1;
        }
      })();

      // ---- the fuzz
      const stats = { sent: 0, acked: 0, noAck: 0, unknown: 0, skipped: 0, codes: {} as Record<string, number>, tags: {} as Record<string, number> };
      const problems: string[] = [];
      const fuzzOne = async (who: FuzzSocket & { id: string }, index: number) => {
        for (;;) {
          const tags = new Set<string>();
          const mode = r.next();
          if (mode < 0.08) {
            // An unknown event, with or without arguments; nothing answers it.
            const event = r.pick(unknownEvents);
            const args = r.chance(0.5) ? [weird(r)] : [];
            if (overTheWire(event, args).bytes > limits.socketBufferBytes - 512) continue;
            who.socket.emit(event as string, ...args);
            stats.unknown += 1;
            return;
          }
          const event = r.pick(knownEvents);
          const payload = r.chance(0.06) ? undefined : mutate(r, template(r, event, pools), tags);
          let args: unknown[] = payload === undefined ? [] : [payload];
          if (payload === undefined) tags.add('no-payload');
          if (r.chance(0.08)) {
            args = [...args, weird(r), weird(r)];
            tags.add('extra-args');
          }
          const wire = overTheWire(event, args);
          // Bigger than the socket buffer would close the connection (limits.test.ts covers that).
          if (wire.bytes > limits.socketBufferBytes - 512) {
            stats.skipped += 1;
            continue;
          }
          const expected = expectation(who, event, wire.args, members);
          if (expected === 'may-succeed') {
            stats.skipped += 1;
            continue;
          }
          if (event === 'signal' && expected === 'invalid' && wire.bytes > limits.signalBytes) tags.add('signal-over-64KB');
          for (const tag of tags) stats.tags[tag] = (stats.tags[tag] ?? 0) + 1;
          stats.sent += 1;
          if (r.chance(0.1)) {
            who.socket.emit(event, ...args);
            stats.noAck += 1;
            return;
          }
          const what = () => `seed ${SEED} #${index} ${who.name} ${event}(${args.map(preview).join(', ')}) expected ${expected}`;
          try {
            const answer = await ack(who.socket, event, ...args);
            stats.acked += 1;
            if (!isContractFailure(answer)) {
              problems.push(`${what()} → ${preview(answer)}`);
              return;
            }
            const { code } = answer.error;
            stats.codes[code] = (stats.codes[code] ?? 0) + 1;
            const fits = expected === 'invalid' ? code === 'invalid_payload' : ['forbidden', 'not_in_session', 'not_found'].includes(code);
            if (!fits) problems.push(`${what()} → ${preview(answer)}`);
          } catch (err) {
            problems.push(`${what()} → ${(err as Error).message}`);
          }
          return;
        }
      };

      const started = Date.now();
      await Promise.all(
        fuzzers.map(async (who) => {
          for (let i = 0; i < EVENTS_PER_SOCKET; i += BATCH) {
            const batch = [];
            for (let j = i; j < Math.min(i + BATCH, EVENTS_PER_SOCKET); j++) batch.push(fuzzOne(who, j));
            await Promise.all(batch);
          }
        }),
      );
      const fuzzMs = Date.now() - started;
      fuzzing = false;
      await realClass;

      // Let the last events without an ack land before looking at the state.
      await settle(tutor.socket, student.socket, ...fuzzers.map((f) => f.socket));

      expect(problems.slice(0, 20)).toEqual([]);
      expect(realProblems).toEqual([]);
      const total = stats.sent + stats.unknown;
      expect(total, JSON.stringify(stats)).toBeGreaterThanOrEqual(10_000);
      expect(stats.acked + stats.noAck).toBe(stats.sent);
      // Every kind of refusal and every kind of malformation was exercised.
      for (const [code, least] of [['invalid_payload', 2000], ['not_in_session', 1000], ['forbidden', 100], ['not_found', 10]] as const) {
        expect(stats.codes[code] ?? 0, code).toBeGreaterThan(least);
      }
      expect(stats.codes.internal ?? 0).toBe(0);
      expect(stats.codes.rate_limited ?? 0).toBe(0);
      for (const tag of ['wrong-type', 'missing-field', 'field-wrong-type', 'over-limit', 'pollution', 'forged-keys', 'deep', 'array-wrapped', 'well-formed', 'no-payload', 'extra-args', 'signal-over-64KB']) {
        expect(stats.tags[tag] ?? 0, tag).toBeGreaterThan(20);
      }
      expect(stats.unknown).toBeGreaterThan(200);
      expect(stats.noAck).toBeGreaterThan(200);

      // The server is up, nobody was disconnected, and nothing changed.
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
      for (const f of fuzzers) expect(f.socket.connected, f.name).toBe(true);
      expect(tutor.socket.connected && student.socket.connected).toBe(true);
      const after = await snapshot(server, chat.inner);
      expect(after.classes).toEqual(before.classes);
      expect(after.chat).toEqual(before.chat);
      expect(chat.counter.writes).toBe(0);
      expect(after.prototypes).toEqual(before.prototypes);
      for (const key of POLLUTION_KEYS) {
        expect(({} as Record<string, unknown>)[key], key).toBeUndefined();
        expect(([] as unknown as Record<string, unknown>)[key], key).toBeUndefined();
      }

      // The real class kept working all along, and heard nothing of the fuzz.
      expect(rounds).toBeGreaterThanOrEqual(3);
      for (const [, seen] of [...heard.tutor, ...heard.student, ...heard.fuzzerInA]) expect(seen).toEqual([]);
      expect(new Set(tutorUpdates.map((p) => p.socketId))).toEqual(new Set([tutor.socket.id, student.socket.id]));
      expect(tutorSignals.every((s) => s.from === student.socket.id)).toBe(true);
      expect(studentSignals.every((s) => s.from === tutor.socket.id)).toBe(true);
      expect(tutorSignals).toHaveLength(rounds);
      expect((await rosterOf(tutor.socket, A)).map((p) => p.userId).sort()).toEqual(['fuzz-student-in-a', 'student-a']);
      // Someone new can still join.
      const late = await joinAs(server, 'student', A, { userId: 'late' });
      expect((await rosterOf(late.socket, A)).map((p) => p.userId).sort()).toEqual(['fuzz-student-in-a', 'student-a', 'tutor-a']);
      console.info(`fuzz seed ${SEED}: ${total} events in ${fuzzMs} ms, ${rounds} real rounds`, JSON.stringify(stats));
    },
  );

  it('raw frames socket.io-client will not send (broken packets, reserved names, 40k-deep JSON) close at most the sender', { timeout: 60_000 }, async () => {
    const r = prng(SEED ^ 0xf00d);
    const chat = countingChatStore();
    const server = await startTestServer({ rates: generous, chat: chat.store });
    const tutor = await joinAs(server, 'tutor', A, { userId: 'tutor-a' });
    const student = await joinAs(server, 'student', A, { userId: 'student-a' });
    await settle(tutor.socket, student.socket);
    const before = await snapshot(server, chat.inner);
    chat.counter.writes = 0;
    const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

    // Well-formed packets with payloads no client library would build: each must be answered invalid_payload.
    const strange = [
      `{"to":"${tutor.socket.id}","data":${deepArray(40_000)}}`,
      `{"to":"${tutor.socket.id}","data":${deepObject(8_000)}}`,
      `{"sessionId":${deepArray(20_000)}}`,
      '{"__proto__":{"sessionId":"fuzz-a"}}',
      '{"constructor":{"prototype":{"fuzzPolluted":1}},"__proto__":{"isAdmin":true}}',
      '{"sessionId":"fuzz-a","sessionId":{"x":1}}',
      '1e999',
      '"\\ud800"',
    ];
    const events: ClientEventName[] = ['signal', 'join-session', 'get-session-users', 'chat-message', 'mute-all'];
    // Not joined: a payload of the right shape would be refused with not_in_session, after validation.
    const probe = await RawClient.connect(server.url, { token: await server.mint('student', A, 'Raw', 'raw-a') });
    for (const body of strange) {
      for (const event of events) {
        const answer = await probe.emitJson(event, body);
        // Well-formed JSON of the wrong shape is invalid_payload; `mute-all` takes any object, so it gets not_in_session.
        const code = event === 'mute-all' && body.startsWith('{') ? 'not_in_session' : 'invalid_payload';
        expect(answer, `${event} ${body.slice(0, 60)}`).toEqual({ ok: false, error: { code, message: expect.any(String) } });
      }
    }
    expect(probe.isClosed).toBe(false);
    probe.close();
    await probe.closed;

    // Broken packets: the sender's connection may be closed, or it stays usable; nothing else happens.
    const garbage = [
      '42[',
      '42',
      '4',
      '42{"a":1}',
      '42["disconnect","server namespace disconnect"]',
      '42["disconnecting"]',
      '42["connect"]',
      '42["newListener","join-session"]',
      '42["removeListener","join-session"]',
      '421x["join-session",{"sessionId":"fuzz-a"}]',
      '4399["join-session"]',
      '45-["join-session",{"_placeholder":true,"num":0}]',
      '451-["join-session",{"_placeholder":true,"num":7}]',
      '41',
      '40',
      '40/admin,',
      '44{"message":"x"}',
      '2',
      '3',
      '5',
      '6',
      '1',
      '9',
      '',
      '42[null]',
      '42[{}]',
      '42[[]]',
      '42[1,{"sessionId":"fuzz-a"}]',
      `42["signal",${deepArray(100_000).slice(0, 70_000)}`,
    ];
    for (let i = 0; i < 60; i++) garbage.push(`4${randomString(r, r.between(1, 200))}`);
    let closedCount = 0;
    for (const frame of garbage) {
      const raw = await RawClient.connect(server.url, { token: await server.mint('student', C, 'Raw', `raw-${r.int(1e9)}`) });
      raw.send(frame);
      // Still open after the frame: it must still answer like a Socket.IO connection would.
      let answer: unknown = 'no answer';
      try {
        answer = await raw.emitJson('get-session-users', '{"sessionId":"fuzz-c"}', 1500);
      } catch {
        // no answer: e.g. the namespace was left ('41') or a binary packet waits for its attachments
      }
      if (raw.isClosed) closedCount += 1;
      else if (answer !== 'no answer') expect(answer, `after ${preview(frame)}`).toEqual({ ok: false, error: { code: 'not_in_session', message: expect.any(String) } });
      // A frame that leaves the connection half-open (a binary packet waiting for attachments) may stop answering; it is closed here.
      raw.close();
    }
    expect(closedCount).toBeGreaterThan(10);

    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expectOk(await emitAck(student.socket, 'raise-hand', {}));
    expectOk(await emitAck(student.socket, 'lower-hand', {}));
    await settle(tutor.socket, student.socket);
    const after = await snapshot(server, chat.inner);
    expect(after.prototypes).toEqual(before.prototypes);
    expect(({} as Record<string, unknown>).fuzzPolluted).toBeUndefined();
    // The raw sockets joined nothing that is left: the class is the tutor and the student, unchanged.
    expect(after.classes).toEqual(before.classes);
    expect(tutor.socket.connected && student.socket.connected).toBe(true);
  });
});

describe('a flood with the default rate limits', () => {
  it('gets rate_limited per kind, while the other participants keep fast, successful acks', { timeout: 60_000 }, async () => {
    const server = await startTestServer();
    const tutor = await joinAs(server, 'tutor', A, { userId: 'tutor-a' });
    const student = await joinAs(server, 'student', A, { userId: 'student-a' });

    // The flooder runs in its own thread (a script on another machine), so the time it spends
    // writing its events is not charged to the server or to the people measured here.
    const FLOOD = 20_000;
    const floodKinds: Array<[ClientEventName, unknown]> = [
      ['signal', { to: tutor.socket.id, data: { link: 'flood' } }],
      ['chat-message', { text: 'spam' }],
      ['raise-hand', {}],
      ['toggle-audio', { enabled: false }],
      ['mute-all', {}],
      ['get-session-users', { sessionId: A }],
    ];
    const worker = new Worker(new URL('./flood-worker.mjs', import.meta.url), {
      workerData: { url: server.url, token: await server.mint('student', A, 'Flo', 'flooder'), sessionId: A, kinds: floodKinds, count: FLOOD, slice: 250, pauseMs: 20 },
    });
    onTestFinished(() => worker.terminate().then(() => undefined));
    const messages: Array<{ type: string } & Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    worker.on('message', (m) => {
      messages.push(m);
      waiters.splice(0).forEach((w) => w());
    });
    worker.on('error', (err) => messages.push({ type: 'error', err: String(err) }));
    const message = async (type: string) => {
      for (;;) {
        const found = messages.find((m) => m.type === type || m.type === 'error');
        if (found) return found;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
    const joined = await message('joined');
    expect(joined.joined, JSON.stringify(joined)).toMatchObject({ ok: true });
    await settle(tutor.socket, student.socket);

    /**
     * One round of what two people do: a signal each way, a roster, and every other round a hand
     * up or down. Paced so that they stay well inside their own buckets.
     */
    const latencies: number[] = [];
    const personRound = async (round: number) => {
      const timed = async <T>(p: Promise<T>) => {
        const t = performance.now();
        const v = await p;
        latencies.push(Math.round(performance.now() - t));
        return v;
      };
      expectOk(await timed(emitAck(student.socket, 'signal', { to: tutor.socket.id, data: { link: 'l', round } })));
      expectOk(await timed(emitAck(tutor.socket, 'signal', { to: student.socket.id, data: { link: 'l', round } })));
      if (round % 2 === 0) {
        const event = round % 4 === 0 ? 'raise-hand' : 'lower-hand';
        expectOk((await timed(emitAck(student.socket, event, {}))) as Ack);
      }
      expectOk(await timed(emitAck(tutor.socket, 'get-session-users', { sessionId: A })));
      await sleep(100);
    };
    for (let i = 0; i < 3; i++) await personRound(i);
    const baseline = Math.max(...latencies);
    latencies.length = 0;

    worker.postMessage('go');
    const sentAt = Date.now();
    let rounds = 0;
    while (!messages.some((m) => m.type === 'done' || m.type === 'error')) await personRound(100 + rounds++);
    const done = await message('done');
    expect(done.type).toBe('done');
    const acks = done.acks as Array<[ClientEventName, unknown]>;
    const elapsedS = (Date.now() - sentAt) / 1000;

    const byKind = new Map<RateKind, { ok: number; limited: number; other: string[] }>();
    for (const [event, a] of acks) {
      const kind = rateKindOf[event];
      const tally = byKind.get(kind) ?? { ok: 0, limited: 0, other: [] };
      byKind.set(kind, tally);
      const answer = a as { ok: boolean; error?: { code: string } };
      if (answer.ok) tally.ok += 1;
      else if (answer.error?.code === 'rate_limited') tally.limited += 1;
      // A student's mute-all within its burst is refused by the rules, not the limiter.
      else if (event === 'mute-all' && answer.error?.code === 'forbidden') tally.ok += 1;
      else tally.other.push(JSON.stringify(a));
    }
    expect(acks).toHaveLength(FLOOD);
    for (const [kind, tally] of byKind) {
      const { burst, perSecond } = defaultRates[kind];
      expect(tally.other, kind).toEqual([]);
      expect(tally.limited, kind).toBeGreaterThan(0);
      // Never more through than the bucket holds plus what it regained meanwhile.
      expect(tally.ok, kind).toBeLessThanOrEqual(burst + Math.ceil(perSecond * elapsedS) + 1);
      expect(tally.ok, kind).toBeGreaterThanOrEqual(Math.min(burst, FLOOD / floodKinds.length));
    }
    expect([...byKind.keys()].sort()).toEqual(['chat', 'hand', 'media', 'moderation', 'session', 'signal']);

    // The others were never limited (every ack above was ok) and stayed fast.
    expect(rounds).toBeGreaterThanOrEqual(5);
    const sorted = [...latencies].sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.info(
      `flood: ${FLOOD} events in ${done.ms} ms; others' acks: baseline max ${baseline} ms, during: ${JSON.stringify(sorted)} over ${rounds} rounds`,
    );
    expect(median, `median ${median} ms, baseline max ${baseline} ms`).toBeLessThan(250);
    expect(sorted[sorted.length - 1], `max ${sorted[sorted.length - 1]} ms`).toBeLessThan(3000);
    // And they can still act once the flood is over; the flooder's buckets refill.
    await personRound(999);
  });
});
