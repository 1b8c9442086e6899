import { describe, expect, it } from 'vitest';
import type { ChatMessage, Role } from '../../src/protocol';
import { historyPage, ISO, say, systemMessage } from '../chat/support';
import {
  emitAck,
  expectFail,
  expectOk,
  joinAs,
  type Member,
  nextEvent,
  record,
  settle,
  startTestServer,
  type TestServer,
} from '../helpers/server';

const CLASS = 'chat-perm';
const OTHER = 'chat-perm-other';

/** Tutor, admin ("*" token), two students in CLASS; a tutor in OTHER. All join notes delivered. */
async function classroom(server: TestServer) {
  const tutor = await joinAs(server, 'tutor', CLASS, { name: 'Ms Tutor', userId: 'tutor' });
  const admin = await joinAs(server, 'admin', CLASS, { name: 'Root', userId: 'root', tokenFor: '*' });
  const alice = await joinAs(server, 'student', CLASS, { name: 'Alice', userId: 'alice' });
  const bobJoined = systemMessage(tutor.socket, 'Bob joined the class');
  const bob = await joinAs(server, 'student', CLASS, { name: 'Bob', userId: 'bob' });
  await bobJoined;
  const otherTutor = await joinAs(server, 'tutor', OTHER, { name: 'Mr Other', userId: 'other-tutor' });
  await settle(tutor.socket, admin.socket, alice.socket, bob.socket, otherTutor.socket);
  return { tutor, admin, alice, bob, otherTutor };
}

/** Records every chat change each member of the class sees from now on. */
function watch(members: Member[]) {
  return members.map((m) => ({
    updated: record(m.socket, 'chat-message-updated'),
    deleted: record(m.socket, 'chat-message-deleted'),
  }));
}

const texts = (messages: ChatMessage[]) => messages.filter((m) => m.type === 'text');

describe('edit-chat-message', () => {
  it.each<Role>(['student', 'tutor', 'admin'])('a %s edits their own message: chat-message-updated to the class, editedAt set', async (role) => {
    const server = await startTestServer();
    const c = await classroom(server);
    const author = role === 'student' ? c.alice : role === 'tutor' ? c.tutor : c.admin;
    const original = await say(author.socket, 'teh answer is 42');
    await settle(c.tutor.socket, c.alice.socket, c.bob.socket, c.admin.socket);
    const seen = watch([c.tutor, c.admin, c.alice, c.bob, c.otherTutor]);

    const arrives = nextEvent(c.bob.socket, 'chat-message-updated');
    const { message } = expectOk(
      await emitAck(author.socket, 'edit-chat-message', { id: original.id, text: 'the answer is 42', userId: 'someone-else' }),
    );
    expect(message).toEqual({ ...original, text: 'the answer is 42', editedAt: expect.stringMatching(ISO) });
    expect(Date.parse(message.editedAt!)).toBeGreaterThanOrEqual(Date.parse(original.createdAt));
    expect(await arrives).toEqual(message);
    await settle(c.tutor.socket, c.admin.socket, c.alice.socket, c.bob.socket, c.otherTutor.socket);
    for (const s of seen.slice(0, 4)) {
      expect(s.updated).toEqual([message]);
      expect(s.deleted).toEqual([]);
    }
    expect(seen[4].updated).toEqual([]);
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([message]);
  });

  it('nobody edits someone else’s message, whatever their role: forbidden and nothing changes', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const bobs = await say(c.bob.socket, 'Bob’s words');
    const tutors = await say(c.tutor.socket, 'The tutor’s words');
    const admins = await say(c.admin.socket, 'The admin’s words');
    await settle(c.tutor.socket, c.alice.socket, c.bob.socket, c.admin.socket);
    const seen = watch([c.tutor, c.admin, c.alice, c.bob]);

    const attempts: Array<[Member, ChatMessage]> = [
      [c.alice, bobs],
      [c.alice, tutors],
      [c.alice, admins],
      [c.tutor, bobs],
      [c.tutor, admins],
      [c.admin, bobs],
      [c.admin, tutors],
      [c.bob, tutors],
    ];
    for (const [actor, target] of attempts) {
      expectFail(await emitAck(actor.socket, 'edit-chat-message', { id: target.id, text: 'rewritten' }), 'forbidden');
    }
    await settle(c.tutor.socket, c.admin.socket, c.alice.socket, c.bob.socket);
    for (const s of seen) expect(s).toEqual({ updated: [], deleted: [] });
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([bobs, tutors, admins]);
  });

  it('a system message cannot be edited, not even by the person it names or by an admin', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const history = await historyPage(server, c.tutor.token, CLASS);
    const aliceJoined = history.find((m) => m.type === 'system' && m.text === 'Alice joined the class')!;
    expect(aliceJoined).toMatchObject({ userId: 'alice' });
    for (const actor of [c.alice, c.tutor, c.admin]) {
      expectFail(await emitAck(actor.socket, 'edit-chat-message', { id: aliceJoined.id, text: 'Alice left' }), 'forbidden');
    }
    expect(await historyPage(server, c.tutor.token, CLASS)).toEqual(history);
  });

  it('an unknown id, or the id of a message of another class, is not_found', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const elsewhere = await say(c.otherTutor.socket, 'in the other class');
    expectFail(await emitAck(c.admin.socket, 'edit-chat-message', { id: elsewhere.id, text: 'x' }), 'not_found');
    expectFail(await emitAck(c.tutor.socket, 'edit-chat-message', { id: 'no-such-id', text: 'x' }), 'not_found');
    // Not even its author, from a class it is not in.
    const author = await joinAs(server, 'tutor', CLASS, { userId: 'other-tutor', tokenFor: '*', name: 'Mr Other' });
    expectFail(await emitAck(author.socket, 'edit-chat-message', { id: elsewhere.id, text: 'x' }), 'not_found');
    const otherAdmin = await server.mint('admin', '*');
    expect(await historyPage(server, otherAdmin, OTHER).then(texts)).toEqual([elsewhere]);
  });

  it('bad text or id is invalid_payload; before joining, not_in_session', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const mine = await say(c.alice.socket, 'original');
    for (const payload of [
      { id: mine.id, text: '' },
      { id: mine.id, text: '    ' },
      { id: mine.id, text: 'x'.repeat(2001) },
      { id: mine.id },
      { text: 'no id' },
      { id: '', text: 'empty id' },
      { id: 7, text: 'numeric id' },
    ]) {
      expectFail(await emitAck(c.alice.socket, 'edit-chat-message', payload), 'invalid_payload');
    }
    const lone = await server.connect(await server.mint('student', CLASS, 'Alice', 'alice-2'));
    expectFail(await emitAck(lone, 'edit-chat-message', { id: mine.id, text: 'fine' }), 'not_in_session');
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([mine]);
    const longest = 'z'.repeat(2000);
    expect(expectOk(await emitAck(c.alice.socket, 'edit-chat-message', { id: mine.id, text: longest })).message.text).toBe(longest);
  });
});

describe('delete-chat-message', () => {
  it('a student deletes their own message: chat-message-deleted to the class', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const mine = await say(c.alice.socket, 'oops, wrong window');
    const keep = await say(c.bob.socket, 'stays');
    await settle(c.tutor.socket, c.alice.socket, c.bob.socket, c.admin.socket);
    const seen = watch([c.tutor, c.admin, c.alice, c.bob, c.otherTutor]);
    const ack = expectOk(await emitAck(c.alice.socket, 'delete-chat-message', { id: mine.id }));
    expect(ack).toEqual({ ok: true, id: mine.id });
    await settle(c.tutor.socket, c.admin.socket, c.alice.socket, c.bob.socket, c.otherTutor.socket);
    for (const s of seen.slice(0, 4)) expect(s).toEqual({ updated: [], deleted: [{ id: mine.id, sessionId: CLASS }] });
    expect(seen[4]).toEqual({ updated: [], deleted: [] });
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([keep]);
    // Gone: neither edited nor deleted again.
    expectFail(await emitAck(c.alice.socket, 'edit-chat-message', { id: mine.id, text: 'back' }), 'not_found');
    expectFail(await emitAck(c.alice.socket, 'delete-chat-message', { id: mine.id }), 'not_found');
  });

  it.each(['tutor', 'admin'] as const)('a %s deletes any student’s message', async (role) => {
    const server = await startTestServer();
    const c = await classroom(server);
    const moderator = role === 'tutor' ? c.tutor : c.admin;
    const rude = await say(c.bob.socket, 'something rude');
    const fine = await say(c.alice.socket, 'something fine');
    await settle(c.tutor.socket, c.alice.socket, c.bob.socket, c.admin.socket);
    const seen = watch([c.tutor, c.admin, c.alice, c.bob]);
    expectOk(await emitAck(moderator.socket, 'delete-chat-message', { id: rude.id }));
    await settle(c.tutor.socket, c.admin.socket, c.alice.socket, c.bob.socket);
    for (const s of seen) expect(s.deleted).toEqual([{ id: rude.id, sessionId: CLASS }]);
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([fine]);
  });

  it('an admin deletes a tutor’s message; a tutor may not delete an admin’s (forbidden, nothing changes)', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const tutors = await say(c.tutor.socket, 'tutor says');
    const admins = await say(c.admin.socket, 'admin says');
    await settle(c.tutor.socket, c.alice.socket, c.bob.socket, c.admin.socket);
    const seen = watch([c.tutor, c.admin, c.alice, c.bob]);

    expectFail(await emitAck(c.tutor.socket, 'delete-chat-message', { id: admins.id }), 'forbidden');
    await settle(c.tutor.socket, c.admin.socket, c.alice.socket, c.bob.socket);
    for (const s of seen) expect(s.deleted).toEqual([]);
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([tutors, admins]);

    expectOk(await emitAck(c.admin.socket, 'delete-chat-message', { id: tutors.id }));
    await settle(c.tutor.socket, c.admin.socket, c.alice.socket, c.bob.socket);
    for (const s of seen) expect(s.deleted).toEqual([{ id: tutors.id, sessionId: CLASS }]);
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([admins]);
  });

  it('a student deleting someone else’s message (a student’s, the tutor’s, a system note) is forbidden and nothing changes', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const bobs = await say(c.bob.socket, 'Bob’s');
    const tutors = await say(c.tutor.socket, 'Tutor’s');
    await settle(c.tutor.socket, c.alice.socket, c.bob.socket, c.admin.socket);
    const before = await historyPage(server, c.tutor.token, CLASS);
    const aliceJoined = before.find((m) => m.type === 'system' && m.userId === 'alice')!;
    expect(aliceJoined).toBeDefined();
    const seen = watch([c.tutor, c.admin, c.alice, c.bob]);
    for (const id of [bobs.id, tutors.id, aliceJoined.id]) {
      expectFail(await emitAck(c.alice.socket, 'delete-chat-message', { id }), 'forbidden');
    }
    await settle(c.tutor.socket, c.admin.socket, c.alice.socket, c.bob.socket);
    for (const s of seen) expect(s).toEqual({ updated: [], deleted: [] });
    expect(await historyPage(server, c.tutor.token, CLASS)).toEqual(before);
  });

  it('a message of another class is not_found, even for an admin; so is an unknown id', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const elsewhere = await say(c.otherTutor.socket, 'other class');
    const seen = record(c.otherTutor.socket, 'chat-message-deleted');
    expectFail(await emitAck(c.admin.socket, 'delete-chat-message', { id: elsewhere.id }), 'not_found');
    expectFail(await emitAck(c.tutor.socket, 'delete-chat-message', { id: elsewhere.id }), 'not_found');
    expectFail(await emitAck(c.tutor.socket, 'delete-chat-message', { id: 'nope' }), 'not_found');
    await settle(c.otherTutor.socket);
    expect(seen).toEqual([]);
    expect(texts(await historyPage(server, c.otherTutor.token, OTHER))).toEqual([elsewhere]);
  });

  it('bad payloads are invalid_payload; before joining, not_in_session', async () => {
    const server = await startTestServer();
    const c = await classroom(server);
    const bobs = await say(c.bob.socket, 'Bob’s');
    for (const payload of [{}, { id: '' }, { id: 3 }, { id: 'x'.repeat(129) }, 'id']) {
      expectFail(await emitAck(c.tutor.socket, 'delete-chat-message', payload), 'invalid_payload');
    }
    const lone = await server.connect(await server.mint('tutor', CLASS));
    expectFail(await emitAck(lone, 'delete-chat-message', { id: bobs.id }), 'not_in_session');
    expect(texts(await historyPage(server, c.tutor.token, CLASS))).toEqual([bobs]);
  });
});
