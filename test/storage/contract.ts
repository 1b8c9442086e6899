import { randomUUID } from 'node:crypto';
import { Migrator } from 'kysely/migration';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../../src/protocol';
import type { ChatStore, NewChatMessage } from '../../src/server/chat/chat-store';
import type { ClassDirectory } from '../../src/server/classes/class-directory';
import type { Database } from '../../src/server/storage/database';
import { migrationProvider, migrations } from '../../src/server/storage/migrations';

/** What one implementation under test hands the shared suite; called per test, after any setup. */
export interface StorageUnderTest {
  classes(): ClassDirectory;
  chat(now?: () => Date): ChatStore;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A clock that starts at `start` and moves `stepMs` on every reading (negative: backwards). */
export function steppingClock(start = '2030-01-02T03:04:05.000Z', stepMs = 1000) {
  let t = Date.parse(start);
  return () => {
    const d = new Date(t);
    t += stepMs;
    return d;
  };
}

const fixedClock = (at: string) => () => new Date(at);

const uid = (prefix: string) => `${prefix}-${randomUUID()}`;

const message = (sessionId: string, text: string, over: Partial<NewChatMessage> = {}): NewChatMessage => ({
  sessionId,
  userId: 'u-1',
  userName: 'Ada',
  role: 'student',
  text,
  type: 'text',
  ...over,
});

async function appendMany(chat: ChatStore, sessionId: string, count: number, from = 0) {
  const out: ChatMessage[] = [];
  for (let i = from; i < from + count; i++) out.push(await chat.append(message(sessionId, `m${i}`)));
  return out;
}

const texts = (messages: ChatMessage[]) => messages.map((m) => m.text);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

/** The behaviour every ClassDirectory and ChatStore must share, whatever keeps the data. */
export function storageContract(stores: () => StorageUnderTest) {
  describe('ClassDirectory', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('creates a class with a server id and time, and gets it back', async () => {
      const classes = stores().classes();
      const tutorId = uid('tutor');
      const before = Date.now();
      const created = await classes.create({ title: 'Algebra <b>1</b>', tutorId, tutorName: 'Ada' });
      expect(created).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/),
        title: 'Algebra <b>1</b>',
        tutorId,
        tutorName: 'Ada',
        createdAt: expect.stringMatching(ISO),
        endedAt: null,
        largeClass: false,
      });
      expect(Date.parse(created.createdAt)).toBeGreaterThanOrEqual(before - 1);
      expect(await classes.get(created.id)).toEqual(created);
      expect(await classes.get('no-such-class')).toBeUndefined();
    });

    it('keeps whether the tutor expects a large class', async () => {
      const classes = stores().classes();
      const tutorId = uid('tutor');
      const large = await classes.create({ title: 'Lecture', tutorId, tutorName: 'Ada', largeClass: true });
      const small = await classes.create({ title: 'Seminar', tutorId, tutorName: 'Ada', largeClass: false });
      expect(large.largeClass).toBe(true);
      expect(await classes.get(large.id)).toEqual(large);
      expect((await classes.get(small.id))?.largeClass).toBe(false);
      expect((await classes.listByTutor(tutorId)).map((c) => [c.title, c.largeClass])).toEqual(
        expect.arrayContaining([
          ['Lecture', true],
          ['Seminar', false],
        ]),
      );
    });

    it('lists a tutor’s classes newest first, 20 by default, or `limit`', async () => {
      const classes = stores().classes();
      const tutorId = uid('tutor');
      const otherTutor = uid('tutor');
      vi.useFakeTimers({ toFake: ['Date'] });
      const created = [];
      for (let i = 0; i < 23; i++) {
        vi.setSystemTime(new Date(Date.UTC(2030, 0, 1, 0, 0, i)));
        created.push(await classes.create({ title: `class ${i}`, tutorId, tutorName: 'Ada' }));
        if (i % 5 === 0) await classes.create({ title: `other ${i}`, tutorId: otherTutor, tutorName: 'Bob' });
      }
      vi.useRealTimers();
      const newestFirst = [...created].reverse();

      const all = await classes.listByTutor(tutorId);
      expect(all).toHaveLength(20);
      expect(all).toEqual(newestFirst.slice(0, 20));
      expect(await classes.listByTutor(tutorId, 3)).toEqual(newestFirst.slice(0, 3));
      expect(await classes.listByTutor(tutorId, 100)).toEqual(newestFirst);
      expect((await classes.listByTutor(otherTutor)).map((c) => c.title)).toEqual([
        'other 20',
        'other 15',
        'other 10',
        'other 5',
        'other 0',
      ]);
      expect(await classes.listByTutor(uid('nobody'))).toEqual([]);
    });
  });

  describe('ChatStore', () => {
    it('append returns the stored message with a server id and time', async () => {
      const chat = stores().chat(fixedClock('2030-05-06T07:08:09.010Z'));
      const sessionId = uid('class');
      const input = message(sessionId, 'hello', { userId: 'u-7', userName: 'Grace', role: 'tutor' });
      const stored = await chat.append(input);
      expect(stored).toEqual({
        ...input,
        id: expect.stringMatching(UUID),
        createdAt: '2030-05-06T07:08:09.010Z',
        editedAt: null,
      });
      expect(await chat.get(stored.id)).toEqual(stored);
      expect(await chat.history(sessionId)).toEqual([stored]);
      const second = await chat.append(input);
      expect(second.id).not.toBe(stored.id);
    });

    it('keeps system messages and every role as given', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      const system = await chat.append(message(sessionId, 'Ada muted everyone', { type: 'system', role: 'admin' }));
      const tutor = await chat.append(message(sessionId, 'hi', { role: 'tutor' }));
      const history = await chat.history(sessionId);
      expect(history).toEqual([system, tutor]);
      expect(history.map((m) => [m.type, m.role])).toEqual([
        ['system', 'admin'],
        ['text', 'tutor'],
      ]);
    });

    it('gives nothing for an unknown message or an empty class', async () => {
      const chat = stores().chat();
      expect(await chat.get(randomUUID())).toBeUndefined();
      expect(await chat.history(uid('class'))).toEqual([]);
      expect(await chat.history(uid('class'), { before: randomUUID() })).toEqual([]);
    });

    it('history is oldest first: the latest 100 by default, or the latest `limit`', async () => {
      const chat = stores().chat(steppingClock());
      const sessionId = uid('class');
      const all = await appendMany(chat, sessionId, 130);

      const latest = await chat.history(sessionId);
      expect(latest).toHaveLength(100);
      expect(texts(latest)).toEqual(range(30, 130));
      expect(latest).toEqual(all.slice(30));
      expect(texts(await chat.history(sessionId, { limit: 5 }))).toEqual(range(125, 130));
      expect(texts(await chat.history(sessionId, { limit: 1000 }))).toEqual(range(0, 130));
      const times = latest.map((m) => m.createdAt);
      expect(times).toEqual([...times].sort());
    });

    it('pages back with `before` across more than 100 messages, with no gap and no repeat', async () => {
      const chat = stores().chat(steppingClock());
      const sessionId = uid('class');
      const all = await appendMany(chat, sessionId, 250);

      const page1 = await chat.history(sessionId);
      expect(texts(page1)).toEqual(range(150, 250));
      const page2 = await chat.history(sessionId, { before: page1[0].id });
      expect(texts(page2)).toEqual(range(50, 150));
      const page3 = await chat.history(sessionId, { before: page2[0].id });
      expect(texts(page3)).toEqual(range(0, 50));
      expect(await chat.history(sessionId, { before: page3[0].id })).toEqual([]);
      expect([...page3, ...page2, ...page1]).toEqual(all);

      // strictly older than `before`, whatever the limit
      expect(texts(await chat.history(sessionId, { before: all[10].id, limit: 3 }))).toEqual(range(7, 10));
      expect(texts(await chat.history(sessionId, { before: all[2].id, limit: 50 }))).toEqual(range(0, 2));
    });

    it('an unknown `before` id gives no messages', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      await appendMany(chat, sessionId, 3);
      expect(await chat.history(sessionId, { before: randomUUID() })).toEqual([]);
      expect(await chat.history(sessionId, { before: 'not-a-uuid' })).toEqual([]);
      expect(await chat.history(sessionId, { before: '' })).toEqual(await chat.history(sessionId));
    });

    it('orders by insertion, not by the clock (same millisecond, or a clock stepping back)', async () => {
      const same = uid('class');
      const sameChat = stores().chat(fixedClock('2030-01-01T00:00:00.000Z'));
      const inOrder = await appendMany(sameChat, same, 120);
      expect(await sameChat.history(same)).toEqual(inOrder.slice(20));
      expect(await sameChat.history(same, { before: inOrder[20].id })).toEqual(inOrder.slice(0, 20));

      const back = uid('class');
      const backChat = stores().chat(steppingClock('2030-01-01T00:00:00.000Z', -1000));
      const backwards = await appendMany(backChat, back, 5);
      expect(texts(await backChat.history(back))).toEqual(range(0, 5));
      expect(await backChat.history(back, { before: backwards[3].id })).toEqual(backwards.slice(0, 3));
    });

    it('never mixes the messages of different classes', async () => {
      const chat = stores().chat(steppingClock());
      const a = uid('class');
      const b = uid('class');
      const inA: ChatMessage[] = [];
      const inB: ChatMessage[] = [];
      for (let i = 0; i < 120; i++) {
        inA.push(await chat.append(message(a, `a${i}`)));
        if (i % 2 === 0) inB.push(await chat.append(message(b, `b${i}`)));
      }
      expect(await chat.history(a)).toEqual(inA.slice(20));
      expect(await chat.history(a, { before: inA[20].id })).toEqual(inA.slice(0, 20));
      expect(await chat.history(b)).toEqual(inB);
      // another class's message is no anchor for paging
      expect(await chat.history(a, { before: inB[30].id })).toEqual([]);
      expect(await chat.history(b, { before: inA[100].id })).toEqual([]);
    });

    it('stores HTML, script and quotes verbatim, and gives them back verbatim', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      const nasty = [
        '<script>alert("pwned")</script>',
        `<img src=x onerror="alert('x')"> &amp; &lt;b&gt;`,
        "'); DROP TABLE chat_messages; --",
        'line one\nline two\r\n\ttabbed   spaced  ',
        'émoji 👩‍🏫 and 中文 and \u202Eright-to-left',
        '%_\\ \\\\ $1 ?? :name @p1',
      ];
      const stored = [];
      for (const text of nasty) {
        stored.push(await chat.append(message(sessionId, text, { userName: '<b>Bobby</b> "Tables"' })));
      }
      const history = await chat.history(sessionId);
      expect(texts(history)).toEqual(nasty);
      expect(history.every((m) => m.userName === '<b>Bobby</b> "Tables"')).toBe(true);
      for (const m of stored) expect(await chat.get(m.id)).toEqual(m);
      const edited = await chat.edit(stored[0].id, '<iframe src="javascript:alert(1)"></iframe>');
      expect(edited.text).toBe('<iframe src="javascript:alert(1)"></iframe>');
      expect((await chat.get(stored[0].id))?.text).toBe('<iframe src="javascript:alert(1)"></iframe>');
    });

    it('edit changes the text and sets editedAt, keeping the rest', async () => {
      const chat = stores().chat(steppingClock('2030-01-01T00:00:00.000Z', 60_000));
      const sessionId = uid('class');
      const [first, second] = await appendMany(chat, sessionId, 2);
      const edited = await chat.edit(first.id, 'fixed typo');
      expect(edited).toEqual({ ...first, text: 'fixed typo', editedAt: '2030-01-01T00:02:00.000Z' });
      expect(await chat.get(first.id)).toEqual(edited);
      expect(await chat.history(sessionId)).toEqual([edited, second]);
      const again = await chat.edit(first.id, 'fixed twice');
      expect(again.editedAt).toBe('2030-01-01T00:03:00.000Z');
      expect(again.createdAt).toBe(first.createdAt);
    });

    it('edit of an unknown message rejects', async () => {
      const chat = stores().chat();
      await expect(chat.edit(randomUUID(), 'x')).rejects.toThrow(/no chat message/);
    });

    it('remove deletes one message; removing an unknown one is a no-op', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      const [m0, m1, m2] = await appendMany(chat, sessionId, 3);
      await chat.remove(m1.id);
      expect(await chat.get(m1.id)).toBeUndefined();
      expect(await chat.history(sessionId)).toEqual([m0, m2]);
      expect(await chat.history(sessionId, { before: m2.id })).toEqual([m0]);
      await expect(chat.remove(m1.id)).resolves.toBeUndefined();
      await expect(chat.remove(randomUUID())).resolves.toBeUndefined();
      await expect(chat.edit(m1.id, 'back?')).rejects.toThrow();
      const m3 = await chat.append(message(sessionId, 'm3'));
      expect(await chat.history(sessionId)).toEqual([m0, m2, m3]);
    });

    it('keeps every message of concurrent appends', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      const stored = await Promise.all(Array.from({ length: 40 }, (_, i) => chat.append(message(sessionId, `c${i}`))));
      const history = await chat.history(sessionId);
      expect(history).toHaveLength(40);
      expect(new Set(history.map((m) => m.id))).toEqual(new Set(stored.map((m) => m.id)));
    });

    it('an announced line keeps its place: reads see it at once, before what was appended after it', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      const line = { type: 'system', id: randomUUID(), createdAt: '2030-01-01T00:00:00.000Z' } as const;
      const joined = chat.append(message(sessionId, 'Ada joined the class', line), { announced: true });
      const text = await chat.append(message(sessionId, 'hello'));
      expect(texts(await chat.history(sessionId))).toEqual(['Ada joined the class', 'hello']);
      expect(await chat.get(line.id)).toEqual(await joined);
      expect((await joined).id).toBe(line.id);
      expect(text.text).toBe('hello');
    });

    it('an announced line edited or removed before the store wrote it stays edited or removed', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      const a = { type: 'system', id: randomUUID() } as const;
      const b = { type: 'system', id: randomUUID() } as const;
      const first = chat.append(message(sessionId, 'Ada joined the class', a), { announced: true });
      const second = chat.append(message(sessionId, 'Ben joined the class', b), { announced: true });
      await chat.remove(a.id);
      expect((await chat.edit(b.id, 'Ben joined')).text).toBe('Ben joined');
      await Promise.all([first, second]);
      expect(texts(await chat.history(sessionId))).toEqual(['Ben joined']);
    });

    it('flush resolves once everything appended so far is stored', async () => {
      const chat = stores().chat();
      const sessionId = uid('class');
      let stored = 0;
      for (let i = 0; i < 3; i++) void chat.append(message(sessionId, `line ${i}`, { type: 'system' }), { announced: true }).then(() => (stored += 1));
      await chat.flush();
      expect(stored).toBe(3);
      await chat.flush();
    });
  });
}

/** The tables and columns the migrations make, as the database itself reports them. */
export async function expectSchema(database: Database) {
  const tables = await database.db.introspection.getTables();
  const columns = (name: string) =>
    Object.fromEntries(
      (tables.find((t) => t.name === name)?.columns ?? []).map((c) => [c.name, { nullable: c.isNullable }]),
    );
  expect(columns('classes')).toEqual({
    id: { nullable: expect.any(Boolean) },
    title: { nullable: false },
    tutor_id: { nullable: false },
    tutor_name: { nullable: false },
    created_at: { nullable: false },
    ended_at: { nullable: true },
    large_class: { nullable: false },
  });
  expect(columns('chat_messages')).toEqual({
    seq: { nullable: expect.any(Boolean) },
    id: { nullable: false },
    session_id: { nullable: false },
    user_id: { nullable: false },
    user_name: { nullable: false },
    role: { nullable: false },
    text: { nullable: false },
    type: { nullable: false },
    created_at: { nullable: false },
    edited_at: { nullable: true },
  });
  const seq = tables.find((t) => t.name === 'chat_messages')?.columns.find((c) => c.name === 'seq');
  expect(seq?.isAutoIncrementing).toBe(true);
}

/** Every migration in the list has run, once. */
export async function expectFullyMigrated(database: Database) {
  const applied = await new Migrator({ db: database.db, provider: migrationProvider(database.dialect) }).getMigrations();
  expect(applied.map((m) => m.name)).toEqual(Object.keys(migrations));
  expect(applied.every((m) => m.executedAt instanceof Date)).toBe(true);
}
