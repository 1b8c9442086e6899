import { describe, expect, it } from 'vitest';
import { classLinks, linkFloorPage } from '../../bench/load/link-floor';
import { startSignalRelay } from '../../bench/load/link-floor-relay';
import { WebSocket } from 'ws';
import { cameraNote, linkShape } from '../../bench/scenarios/browser';
import { timingPrefix, type TimingStep } from '../../src/client/timing';

describe("the class's link floor", () => {
  it('links every student to the tutor only, once the class is a star', () => {
    expect(classLinks(5)).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [4, 0],
      [5, 0],
    ]);
    expect(linkShape(5)).toBe('a star: each student to the tutor, 5 links');
  });

  it('links the students to each other too while the class is a mesh, the later joiner dialling', () => {
    expect(classLinks(2)).toEqual([
      [1, 0],
      [2, 0],
      [2, 1],
    ]);
    expect(classLinks(4)).toHaveLength(10);
    expect(linkShape(2)).toBe('a mesh: everyone to everyone, 3 links');
  });

  it("gives the pages a script that parses and installs the page's side", () => {
    const installed: Record<string, unknown> = {};
    // Run it against a stand-in window: it only defines functions until the bench calls them.
    new Function('window', linkFloorPage)(installed);
    expect(Object.keys(installed.__linkFloor as object).sort()).toEqual(['camera', 'dial', 'firstFrames', 'receive']);
  });

  it("marks its camera's steps with the class page's own names, and the report sets them beside the class's", () => {
    const steps: TimingStep[] = ['media-asked', 'media-open'];
    for (const step of steps) expect(linkFloorPage).toContain(`performance.mark('${timingPrefix}${step}')`);
    const run = (asked: number[], open: number[]) => ({ samples: [], failures: [], steps: { 'media-asked': asked, 'media-open': open } });
    expect(cameraNote(run([2400, 2100, 3000], [6200, 5900, 6500]), run([1900, 2000, 2100], [3400, 3600, 4000]))).toEqual([
      'the cameras (slowest page, medians): the class asked at 2.40 s and had them at 6.20 s; the link floor asked at 2.00 s and had them at 3.60 s',
    ]);
    // A run whose pages marked nothing (a browser without User Timing) says nothing rather than guess.
    expect(cameraNote({ samples: [], failures: [] }, run([1900], [3400]))).toEqual([]);
  });
});

describe("the link floor's signalling relay", () => {
  const open = (url: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  /** The next `count` signals a page hears, in order (listening from now on). */
  const heard = (socket: WebSocket, count: number) =>
    new Promise<unknown[]>((resolve) => {
      const got: unknown[] = [];
      const take = (m: unknown) => {
        got.push(JSON.parse(String(m)));
        if (got.length < count) return;
        socket.off('message', take);
        resolve(got);
      };
      socket.on('message', take);
    });
  const next = async (socket: WebSocket) => (await heard(socket, 1))[0];

  it('serves a blank page, and passes a signal on, as it is, to the page of its start it is for, even one not connected yet', async () => {
    const relay = await startSignalRelay();
    const ws = relay.url.replace('http:', 'ws:');
    const sockets: WebSocket[] = [];
    try {
      const page = await fetch(relay.url);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('<body');
      expect((await fetch(`${relay.url}/elsewhere`)).status).toBe(404);

      const student = await open(`${ws}/signals?room=r1&page=1`);
      const otherStart = await open(`${ws}/signals?room=r2&page=0`);
      sockets.push(student, otherStart);
      const offer = { room: 'r1', from: 1, to: 0, id: '1-0', kind: 'offer', data: 'v=0' };
      const candidate = { room: 'r1', from: 1, to: 0, id: '1-0', kind: 'candidate', data: 'candidate:1' };
      let strayed = false;
      otherStart.on('message', () => (strayed = true));
      student.send(JSON.stringify(offer));
      student.send(JSON.stringify(candidate));
      // The tutor's page connects after the offer and a candidate were sent: it hears both then, in order.
      const tutor = new WebSocket(`${ws}/signals?room=r1&page=0`);
      sockets.push(tutor);
      expect(await heard(tutor, 2)).toEqual([offer, candidate]);
      const answer = { room: 'r1', from: 0, to: 1, id: '1-0', kind: 'answer', data: 'v=0' };
      tutor.send(JSON.stringify(answer));
      expect(await next(student)).toEqual(answer);
      expect(strayed).toBe(false);
    } finally {
      for (const s of sockets) s.terminate();
      await relay.close();
    }
  });
});
