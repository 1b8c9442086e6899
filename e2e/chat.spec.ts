import { createSqlChatStore } from '../src/server/storage/sql-chat-store';
import { openDatabase } from '../src/server/storage/database';
import { expect, test, type Member } from './fixtures';
import { e2eEnv } from './support/env';

const messages = (m: Member) => m.page.getByTestId('chat-message').and(m.page.locator('[data-type="text"]'));

async function say(member: Member, text: string) {
  const box = member.page.getByLabel('Message');
  await box.fill(text);
  await box.press('Enter');
}

test('two people chat: own messages right, others left, with name and role', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await say(tutor, 'Welcome to algebra');
  await expect(messages(amy).filter({ hasText: 'Welcome to algebra' })).toContainText('Ada');
  await expect(messages(amy).filter({ hasText: 'Welcome to algebra' })).toHaveAttribute('data-own', 'false');
  await expect(messages(tutor).filter({ hasText: 'Welcome to algebra' })).toHaveAttribute('data-own', 'true');

  // Shift+Enter adds a line; the Send button sends.
  const box = amy.page.getByLabel('Message');
  await box.fill('first line');
  await box.press('Shift+Enter');
  await box.pressSequentially('second line');
  await amy.button('Send').click();
  await expect(messages(tutor).filter({ hasText: 'second line' })).toContainText('first line');
  await expect(messages(tutor).filter({ hasText: 'second line' })).toContainText('student');
  // Joins and leaves are system lines, shown live (they come with user-joined / user-left and the
  // joiner's own ack) and once each, even after the history (which holds the same lines) loaded.
  const line = (m: Member, text: string) => m.page.locator('[data-testid="chat-message"][data-type="system"]').filter({ hasText: text });
  await expect(line(tutor, 'Amy joined the class')).toHaveCount(1);
  await expect(line(amy, 'Amy joined the class')).toHaveCount(1);
  await expect(line(amy, 'Ada joined the class')).toHaveCount(1);
  await amy.button('Leave').click();
  await expect(line(tutor, 'Amy left the class')).toHaveCount(1);
  await tutor.page.reload();
  await expect(line(tutor, 'Amy left the class')).toHaveCount(1);
  await expect(line(tutor, 'Amy joined the class')).toHaveCount(1);
});

test('a late joiner and a reloaded page see the history', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await say(tutor, 'Page 42, exercise 3');
  await say(amy, 'Is it 3a or 3b?');
  await expect(messages(tutor)).toHaveCount(2);

  const ben = await classroom.join('student', 'Ben');
  await expect(messages(ben)).toHaveText([/Page 42, exercise 3/, /Is it 3a or 3b\?/]);

  await amy.page.reload();
  await expect(messages(amy)).toHaveText([/Page 42, exercise 3/, /Is it 3a or 3b\?/]);
});

test('markup in a message is shown as text and runs nothing; links are safe', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  const payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
  await say(amy, payload);
  await say(amy, 'see https://example.org/notes');
  const shown = messages(tutor).filter({ hasText: '<img src=x' });
  await expect(shown).toContainText(payload);
  await expect(tutor.page.locator('[data-testid="chat-message"] img')).toHaveCount(0);
  expect(await tutor.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await amy.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  const link = messages(tutor).getByRole('link', { name: 'https://example.org/notes' });
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(link).toHaveAttribute('href', 'https://example.org/notes');
});

test('authors edit and delete their own messages; the tutor deletes anyone\'s; everyone sees it live', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await say(amy, 'teh answer is 4');
  const mine = messages(amy).filter({ hasText: 'teh answer' });
  await mine.getByRole('button', { name: 'Edit' }).click();
  await amy.page.getByLabel('Edit message').fill('the answer is 4');
  await amy.button('Save').click();
  await expect(messages(tutor).filter({ hasText: 'the answer is 4' })).toContainText('(edited)');

  // A student cannot edit or delete someone else's message.
  await say(tutor, 'Correct!');
  await expect(messages(amy).filter({ hasText: 'Correct!' }).getByRole('button')).toHaveCount(0);

  await messages(tutor).filter({ hasText: 'the answer is 4' }).getByRole('button', { name: 'Delete' }).click();
  await expect(messages(amy).filter({ hasText: 'the answer is 4' })).toHaveCount(0);
  await expect(messages(tutor).filter({ hasText: 'the answer is 4' })).toHaveCount(0);
});

test('a hidden chat counts unread messages', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await amy.button('Hide chat').click();
  await say(tutor, 'one');
  await say(tutor, 'two');
  await expect(amy.page.getByTestId('chat-unread')).toHaveText('2');
  await amy.page.getByRole('button', { name: /^Show chat/ }).click();
  await expect(amy.page.getByTestId('chat-unread')).toHaveCount(0);
  await expect(messages(amy)).toHaveText([/one/, /two/]);
});

test('a message that cannot be stored stays marked failed with a retry that works', async ({ classroom }) => {
  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  await amy.context.setOffline(true);
  await expect(amy.page.getByTestId('connection-status')).toHaveAttribute('data-status', /offline|reconnecting/);
  await say(amy, 'are you there?');
  const failed = amy.page.locator('[data-testid="chat-message"][data-status="failed"]');
  await expect(failed).toContainText('are you there?');
  await expect(failed).toContainText('Not sent');
  await amy.context.setOffline(false);
  await expect(amy.page.getByTestId('connection-status')).toHaveAttribute('data-status', 'connected', { timeout: 20_000 });
  await failed.getByRole('button', { name: 'Retry' }).click();
  await expect(messages(tutor).filter({ hasText: 'are you there?' })).toHaveCount(1);
  await expect(failed).toHaveCount(0);
  await expect(messages(amy).filter({ hasText: 'are you there?' })).toHaveAttribute('data-own', 'true');
});

test('history pages back when scrolling to the top, and new messages wait below a reader who scrolled up', async ({ classroom }) => {
  // 130 messages straight into the test server's database (WAL lets two processes write).
  const database = await openDatabase(e2eEnv.DATABASE_URL);
  const store = createSqlChatStore(database.db);
  for (let i = 1; i <= 130; i++) {
    await store.append({ sessionId: classroom.sessionId, userId: 'tutor-seed', userName: 'Ada', role: 'tutor', text: `note ${i}`, type: 'text' });
  }
  await database.close();

  const tutor = await classroom.join('tutor', 'Ada');
  const amy = await classroom.join('student', 'Amy');
  // The latest 100 of the class's messages: 98 notes and the two "joined" lines after them.
  const all = amy.page.getByTestId('chat-message');
  await expect(all).toHaveCount(100);
  await expect(messages(amy).last()).toContainText('note 130');
  await expect(messages(amy).first()).toContainText('note 33');

  const list = amy.page.getByRole('region', { name: 'Chat' }).getByRole('list').first();
  await list.evaluate((el) => el.scrollTo({ top: 0 }));
  await expect(messages(amy)).toHaveCount(130);
  await expect(all).toHaveCount(132);
  await expect(messages(amy).first()).toContainText('note 1');

  // Reading old messages: a new one does not yank the view down; a button offers it.
  await say(tutor, 'fresh news');
  await expect(amy.page.getByRole('button', { name: 'New messages' })).toBeVisible();
  await amy.page.getByRole('button', { name: 'New messages' }).click();
  await expect(messages(amy).filter({ hasText: 'fresh news' })).toBeInViewport();
});
