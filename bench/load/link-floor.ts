import { dialsFirst, shouldLink } from '../../src/protocol/topology';
import { timingPrefix } from '../../src/client/timing';

/**
 * What a page of the class's link floor runs: the media of a 1 + N class without the app. A blank
 * page takes the camera and shows its own preview. For each link the class holds (`classLinks`),
 * the later joiner offers an RTCPeerConnection and the other end answers; candidates trickle, as
 * the class's do. Every remote person is shown in a <video> and heard through an <audio>, as the
 * class page does: the tutor on a student's stage, anyone else as a tile, at the class page's
 * sizes (`linkFloorLayout`). Signals go over a WebSocket through the least of signalling servers
 * (`link-floor-relay.ts`, which also serves the page). The camera's steps carry the class page's
 * own User Timing marks (`media-asked`, `media-open`), so the bench reads both the same way.
 * Plain JavaScript in a string, installed before the page's scripts, like the first-frame recorder.
 */
export const linkFloorPage = `(() => {
  const links = new Map();
  /** Candidates that came before their link's remote description, by link. */
  const early = new Map();
  const firstFrames = [];
  /** Called when a remote video arrives or a signal fails: what \`firstFrames\` waits on. */
  let news = () => undefined;
  /** A signal this page could not take fails its start. */
  let failure = null;
  let self = -1;
  let layout = null;
  let camera = null;
  let cameraOpened;
  const cameraReady = new Promise((resolve) => (cameraOpened = resolve));
  let room = '';
  let signals = null;
  const send = (to, id, kind, data) => signals.send(JSON.stringify({ room, from: self, to, id, kind, data }));
  const video = (stream, style, muted) => {
    const v = document.createElement('video');
    v.muted = muted;
    v.autoplay = true;
    v.playsInline = true;
    v.style.cssText = style;
    v.srcObject = stream;
    document.body.append(v);
    v.play().catch(() => undefined);
    return v;
  };
  const link = (id, remote) => {
    const pc = new RTCPeerConnection({ iceServers: [] });
    links.set(id, pc);
    for (const track of camera.getTracks()) pc.addTrack(track, camera);
    pc.onicecandidate = (e) => {
      if (e.candidate) send(remote, id, 'candidate', e.candidate.toJSON());
    };
    pc.ontrack = (e) => {
      if (e.track.kind !== 'video') return;
      const stream = e.streams[0];
      const shown = video(stream, self !== 0 && remote === 0 ? layout.stage : layout.tile, true);
      const heard = document.createElement('audio');
      heard.autoplay = true;
      heard.srcObject = stream;
      document.body.append(heard);
      heard.play().catch(() => undefined);
      firstFrames.push(new Promise((resolve) => shown.requestVideoFrameCallback((t) => resolve(performance.timeOrigin + t))));
      news();
    };
    return pc;
  };
  const described = async (id, pc) => {
    for (const candidate of early.get(id) ?? []) await pc.addIceCandidate(candidate);
    early.delete(id);
  };
  window.__linkFloor = {
    async camera(roomOfStart, index, capture, pageLayout) {
      room = roomOfStart;
      self = index;
      layout = pageLayout;
      signals = new WebSocket('ws://' + location.host + '/signals?room=' + encodeURIComponent(room) + '&page=' + index);
      signals.onmessage = (e) => {
        const { from, id, kind, data } = JSON.parse(e.data);
        window.__linkFloor.receive(from, id, kind, data).catch((err) => {
          failure = err;
          news();
        });
      };
      const connected = new Promise((resolve, reject) => {
        signals.onopen = resolve;
        signals.onerror = () => reject(new Error('the signalling relay refused the page'));
      });
      performance.mark('${timingPrefix}media-asked');
      camera = await navigator.mediaDevices.getUserMedia({ audio: true, video: capture });
      performance.mark('${timingPrefix}media-open');
      video(camera, self === 0 ? layout.tutorPreview : layout.preview, true);
      await connected;
      cameraOpened();
    },
    async dial(id, remote) {
      await cameraReady;
      const pc = link(id, remote);
      await pc.setLocalDescription();
      send(remote, id, 'offer', pc.localDescription.sdp);
    },
    async receive(from, id, kind, data) {
      if (kind === 'offer') {
        await cameraReady;
        const pc = link(id, from);
        await pc.setRemoteDescription({ type: 'offer', sdp: data });
        await described(id, pc);
        await pc.setLocalDescription();
        send(from, id, 'answer', pc.localDescription.sdp);
      } else if (kind === 'answer') {
        const pc = links.get(id);
        await pc.setRemoteDescription({ type: 'answer', sdp: data });
        await described(id, pc);
      } else if (links.get(id)?.remoteDescription) {
        await links.get(id).addIceCandidate(data);
      } else {
        early.set(id, [...(early.get(id) ?? []), data]);
      }
    },
    /** When the last of the page's n remote videos presented its first frame, epoch ms. */
    async firstFrames(n, timeoutMs) {
      const late = new Promise((_, reject) =>
        setTimeout(() => reject(new Error(firstFrames.length + ' of ' + n + ' remote videos after ' + timeoutMs + ' ms')), timeoutMs),
      );
      const arrived = new Promise((resolve, reject) => {
        news = () => {
          if (failure) reject(failure);
          else if (firstFrames.length >= n) resolve();
        };
        news();
      });
      const all = arrived.then(async () => Math.max(...(await Promise.all(firstFrames))));
      return Promise.race([all, late]);
    },
  };
})();`;

/** Where the class page puts each video, as measured in a 1280x720 window (docs/benchmarks.md). */
export const linkFloorLayout = {
  /** A student's view of the tutor: the class page's stage. */
  stage: 'position:fixed;left:0;top:0;width:944px;height:603px;object-fit:contain;background:#000',
  /** A student's tile: on the tutor's page, and a classmate's on a student's page in a mesh. */
  tile: 'width:211px;height:118px;object-fit:cover;margin:4px',
  /** A student's own preview, over the stage as on the class page. */
  preview: 'position:fixed;right:8px;bottom:8px;z-index:1;width:176px;height:99px;object-fit:cover',
  /** The tutor's own preview, beside the students' tiles. */
  tutorPreview: 'position:fixed;right:8px;bottom:8px;width:288px;height:162px;object-fit:cover',
};

/**
 * The links a class of 1 + `students` holds, by the class page's own rules (`shouldLink`,
 * `dialsFirst`), the pages joining in order: [dialler, answerer], pages by index (0: the tutor).
 */
export function classLinks(students: number): [number, number][] {
  const people = Array.from({ length: students + 1 }, (_, i) => ({ socketId: `page-${i}`, role: i === 0 ? ('tutor' as const) : ('student' as const), joinedAt: i }));
  const links: [number, number][] = [];
  for (let a = 0; a < people.length; a++) {
    for (let b = a + 1; b < people.length; b++) {
      if (shouldLink(people[a], people[b], students)) links.push(dialsFirst(people[b], people[a]) ? [b, a] : [a, b]);
    }
  }
  return links;
}
