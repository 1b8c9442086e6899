import type { TestInfo } from '@playwright/test';
import { io, type Socket } from 'socket.io-client';
import { expect, type Member, test } from './fixtures';
import type { Classroom } from './support/classroom';
import { e2ePort } from './support/env';

/*
 * The large-class screens in the ordinary (direct, no media server) mode. Forty real browsers do
 * not fit on a test machine, so most of the class is raw Socket.IO clients: real participants to
 * the server and to every page, with camera and microphone off, that never answer a media link.
 */

interface RawStudent {
  socket: Socket;
  userId: string;
  name: string;
}

type Ack = { ok: true } | { ok: false; error: { code: string; message: string } };

function emitAck(socket: Socket, event: string, payload: object): Promise<Ack> {
  return socket.timeout(10_000).emitWithAck(event, payload) as Promise<Ack>;
}

/** Students without a browser: they join, raise hands, leave; the pages see them like anyone else. */
class RawStudents {
  readonly joined: RawStudent[] = [];

  constructor(private readonly classroom: Classroom) {}

  async join(count: number, prefix = 'Pupil'): Promise<RawStudent[]> {
    const added: RawStudent[] = [];
    for (let i = 0; i < count; i += 1) {
      const n = String(this.joined.length + 1).padStart(2, '0');
      const name = `${prefix} ${n}`;
      const userId = `raw-${n}-${this.classroom.sessionId}`;
      const token = await this.classroom.token({ role: 'student', name, userId });
      const socket = io(`http://127.0.0.1:${e2ePort}`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const student = { socket, userId, name };
      // Pushed before joining, so a failed join is still disconnected at the end.
      this.joined.push(student);
      const ack = await emitAck(socket, 'join-session', { sessionId: this.classroom.sessionId, isAudioOn: false, isVideoOn: false });
      expect(ack, `${name} joins`).toMatchObject({ ok: true });
      added.push(student);
    }
    return added;
  }

  async raiseHand(student: RawStudent) {
    expect(await emitAck(student.socket, 'raise-hand', {})).toMatchObject({ ok: true });
  }

  /** An explicit leave: gone at once, with no grace period holding the place. */
  async leave(student: RawStudent) {
    expect(await emitAck(student.socket, 'leave-session', {})).toMatchObject({ ok: true });
    student.socket.disconnect();
  }

  close() {
    for (const { socket } of this.joined) {
      socket.removeAllListeners();
      socket.disconnect();
    }
  }
}

/**
 * A picture for people reviewing the screens. Chromium only: Playwright's screenshot in Firefox
 * injects an inline style, which the app's content security policy rightly reports.
 */
async function picture(m: Member, name: string, testInfo: TestInfo, browserName: string) {
  if (browserName !== 'chromium') return;
  await m.page.screenshot({ path: testInfo.outputPath(name) });
}

const pager = (m: Member) => m.page.getByTestId('grid-pager');
const advice = (m: Member) => m.page.getByTestId('audio-only-advice');

test('over 40 people: a student goes audio-only in one click, the tutor makes it the rule', async ({ classroom, browserName }, testInfo) => {
  test.setTimeout(120_000);
  const raw = new RawStudents(classroom);
  try {
    const tutor = await classroom.join('tutor', 'Ada');
    const amy = await classroom.join('student', 'Amy');
    await expect(amy.page.getByTestId('self-preview').locator('video')).toBeVisible();
    await expect(advice(amy)).toHaveCount(0);

    // Ada, Amy and 39 more: 41 people, one past the advice threshold.
    await raw.join(39);
    await expect(advice(amy)).toBeVisible();
    await expect(advice(amy)).toHaveAttribute('role', 'status');
    await expect(advice(amy)).toContainText('This class is large: switching your camera off keeps it smooth for everyone.');
    await expect(advice(tutor)).toContainText('41 people are in this class. Ask students to switch cameras off?');
    await picture(amy, 'student-audio-only-advice.png', testInfo, browserName);

    await advice(amy).getByRole('button', { name: 'Switch to audio only', exact: true }).click();
    await expect(amy.page.getByTestId('self-preview')).toHaveText('Camera off');
    await expect(amy.button('Turn camera on')).toBeVisible();
    // Advice taken: it goes away.
    await expect(advice(amy)).toHaveCount(0);

    await advice(tutor).getByRole('button', { name: 'Make audio only the rule', exact: true }).click();
    await expect(tutor.button('Unlock cameras')).toBeVisible();
    await expect(advice(tutor)).toHaveCount(0);
    await expect(amy.page.getByTestId('camera-locked')).toBeVisible();
    await expect(amy.button('Turn camera on')).toBeDisabled();
  } finally {
    raw.close();
  }
});

test('a tutor with 18 students pages through them; a raised hand comes to the first tile', async ({ classroom, browserName }, testInfo) => {
  test.setTimeout(90_000);
  const raw = new RawStudents(classroom);
  try {
    const tutor = await classroom.join('tutor', 'Ada');
    await expect(tutor.page.getByTestId('media-mode')).toHaveAttribute('data-mode', 'direct');
    await expect(tutor.button('Use large-class video')).toBeVisible();
    const students = await raw.join(18);

    await expect(pager(tutor)).toContainText('Page 1 of 2');
    await expect(tutor.tiles()).toHaveCount(16);
    await expect(tutor.tiles().first()).toHaveAttribute('data-user-id', students[0].userId);
    await expect(tutor.button('Previous page')).toBeDisabled();

    // The last to join sits on page 2 until the hand goes up.
    const last = students[17];
    await raw.raiseHand(last);
    await expect(tutor.tiles().first()).toHaveAttribute('data-user-id', last.userId);
    await expect(tutor.tiles().first().getByTestId('hand-indicator')).toBeVisible();
    await expect(tutor.tiles()).toHaveCount(16);
    await picture(tutor, 'tutor-paged-grid.png', testInfo, browserName);

    await tutor.button('Next page').click();
    await expect(pager(tutor)).toContainText('Page 2 of 2');
    await expect(tutor.tiles()).toHaveCount(2);
    await expect(tutor.tiles().nth(0)).toHaveAttribute('data-user-id', students[15].userId);
    await expect(tutor.tiles().nth(1)).toHaveAttribute('data-user-id', students[16].userId);
    await expect(tutor.button('Next page')).toBeDisabled();

    // The class shrinks to one page: no pager, every tile shown, nobody left on an empty page.
    for (const s of students.slice(0, 3)) await raw.leave(s);
    await expect(pager(tutor)).toHaveCount(0);
    await expect(tutor.tiles()).toHaveCount(15);
  } finally {
    raw.close();
  }
});
