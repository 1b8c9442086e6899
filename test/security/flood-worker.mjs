// A flooding client in its own thread, as a script on another machine would be: it connects, joins,
// waits for "go", sends `count` events in slices of `slice` every `pauseMs`, and reports every ack.
import { parentPort, workerData } from 'node:worker_threads';
import { io } from 'socket.io-client';

const { url, token, sessionId, kinds, count, slice, pauseMs } = workerData;
const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
await new Promise((resolve, reject) => {
  socket.once('connect', resolve);
  socket.once('connect_error', reject);
});
const joined = await socket.timeout(10_000).emitWithAck('join-session', { sessionId });
parentPort.postMessage({ type: 'joined', joined, socketId: socket.id });
await new Promise((resolve) => parentPort.once('message', resolve));

const started = Date.now();
const pending = [];
for (let i = 0; i < count; i++) {
  const [event, payload] = kinds[i % kinds.length];
  pending.push(
    socket
      .timeout(60_000)
      .emitWithAck(event, payload)
      .then(
        (ack) => [event, ack],
        (err) => [event, { lost: String(err) }],
      ),
  );
  // A sustained flood: a slice at a time, as fast as the socket writes, with a short breath between.
  if (i % slice === slice - 1) await new Promise((resolve) => setTimeout(resolve, pauseMs));
}
const acks = await Promise.all(pending);
parentPort.postMessage({ type: 'done', acks, ms: Date.now() - started });
socket.disconnect();
