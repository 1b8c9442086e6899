import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/server/storage/database';
import { createSqlClassDirectory } from '../../src/server/storage/sql-class-directory';
import { startTestServer, type TestServer } from '../helpers/server';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const create = (server: TestServer, title: string, token?: string) =>
  server.app.inject({ method: 'POST', url: '/api/classes', payload: { title, tutorName: 'Ada' }, headers: token ? bearer(token) : {} });

describe("a tutor's recent classes", () => {
  it('keeps classes started with an earlier tutor token together, newest first, with fresh links', async () => {
    const server = await startTestServer();
    const first = (await create(server, 'Geometry')).json();
    const second = (await create(server, 'Statistics', first.tutorToken)).json();
    expect(second.class.tutorId).toBe(first.class.tutorId);
    const stranger = (await create(server, 'Biology')).json();
    expect(stranger.class.tutorId).not.toBe(first.class.tutorId);

    const res = await server.app.inject({ method: 'GET', url: '/api/classes/mine', headers: bearer(second.tutorToken) });
    expect(res.statusCode).toBe(200);
    const classes = res.json().classes as Array<{ class: { title: string; id: string }; tutorToken: string }>;
    expect(classes.map((c) => c.class.title)).toEqual(['Statistics', 'Geometry']);
    const identity = await server.tokens.verifyJoin(classes[1].tutorToken);
    expect(identity).toMatchObject({ role: 'tutor', sessionId: first.class.id, userId: first.class.tutorId });
  });

  it('is for tutors only, and a student token cannot borrow a tutor id', async () => {
    const server = await startTestServer();
    const student = await server.mint('student', 'c1');
    expect((await server.app.inject({ method: 'GET', url: '/api/classes/mine', headers: bearer(student) })).statusCode).toBe(403);
    expect((await server.app.inject({ method: 'GET', url: '/api/classes/mine' })).statusCode).toBe(401);
    const made = (await create(server, 'Art', student)).json();
    expect(made.class.tutorId).not.toMatch(/^student-/);
  });
});

describe('a class created as a large one', () => {
  it('says so, in the answer and in the tutor\'s list; a class is not large unless asked', async () => {
    const server = await startTestServer();
    const large = await server.app.inject({ method: 'POST', url: '/api/classes', payload: { title: 'Lecture', tutorName: 'Ada', largeClass: true } });
    expect(large.statusCode).toBe(201);
    expect(large.json().class).toMatchObject({ title: 'Lecture', largeClass: true });
    const small = (await create(server, 'Seminar', large.json().tutorToken)).json();
    expect(small.class.largeClass).toBe(false);
    const mine = await server.app.inject({ method: 'GET', url: '/api/classes/mine', headers: bearer(small.tutorToken) });
    expect(mine.json().classes.map((c: { class: { title: string; largeClass: boolean } }) => [c.class.title, c.class.largeClass])).toEqual([
      ['Seminar', false],
      ['Lecture', true],
    ]);
    const wrong = await server.app.inject({ method: 'POST', url: '/api/classes', payload: { title: 'X', tutorName: 'Ada', largeClass: 'yes' } });
    expect(wrong.statusCode).toBe(400);
  });
});

describe('a class link after a server restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'classroom-classes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('still opens its class with its title (same database, same secret)', async () => {
    const url = `sqlite:${join(dir, 'classes.db')}`;
    const db1 = await openDatabase(url);
    const before = await startTestServer({ classes: createSqlClassDirectory(db1.db) });
    const made = (await create(before, 'Chemistry')).json();
    await before.close();
    await db1.close();

    const db2 = await openDatabase(url);
    try {
      const after = await startTestServer({ classes: createSqlClassDirectory(db2.db) });
      const res = await after.app.inject({ method: 'GET', url: `/api/session/${made.class.id}/me`, headers: bearer(made.tutorToken) });
      expect(res.statusCode).toBe(200);
      expect(res.json().class).toEqual({ id: made.class.id, title: 'Chemistry' });
      await after.close();
    } finally {
      await db2.close();
    }
  });
});
