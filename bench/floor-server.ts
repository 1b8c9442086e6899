/**
 * The floor: a bare Socket.IO server answering the classroom's events with no auth, no validation,
 * no class state and no database. The only state is Socket.IO's own room membership, which a
 * broadcast needs. Whatever the classroom costs above this server is the classroom's own cost; what
 * this one costs is the transport's (and the load generator's) share.
 *
 * Same Socket.IO version and options as the classroom (websocket, `maxHttpBufferSize`). The bench
 * starts it with the same probe module and flags as the classroom server.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { limits } from '../src/protocol/limits';

const port = Number(process.env.PORT ?? 0);
/**
 * `FLOOR_TELLS_CLASS=1`: a join also sends `user-joined` to the rest of the room and a leave
 * `user-left`, as any classroom must: the floor of the join's fan-out, for reference.
 */
const tellsClass = process.env.FLOOR_TELLS_CLASS === '1';
const host = process.env.HOST ?? '127.0.0.1';

/** A participant shaped like the classroom's, so payloads weigh the same. */
const participant = (socketId: string, i: number, handUp = false) => ({
  socketId,
  userId: `student-${i}-0a1b`,
  name: `Student ${i}`,
  role: i === 0 ? 'tutor' : 'student',
  isAudioOn: true,
  isVideoOn: true,
  isHandRaised: handUp,
  handRaisedAt: handUp ? Date.now() : null,
  joinedAt: Date.now(),
  presence: 'online',
});
const controls = { locks: { audio: false, video: false }, floorUserId: null, media: 'direct' };

type Ack = ((v: unknown) => void) | undefined;
const ackOf = (args: unknown[]): Ack => (typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined);
const roomOf = (payload: unknown) => `class:${String((payload as { sessionId?: unknown } | undefined)?.sessionId ?? '')}`;

const http = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  res.writeHead(404).end();
});
const io = new Server(http, { maxHttpBufferSize: limits.socketBufferBytes });

io.on('connection', (socket) => {
  let room: string | null = null;
  socket.on('join-session', (...args: unknown[]) => {
    const ack = ackOf(args);
    room = roomOf(args[0]);
    void socket.join(room);
    const self = participant(socket.id, 1);
    if (tellsClass) socket.to(room).emit('user-joined', self);
    ack?.({ ok: true, self, controls });
  });
  socket.on('get-session-users', (...args: unknown[]) => {
    const ack = ackOf(args);
    // The bench says how many classmates the classroom would list (the classroom ignores the key).
    const n = Math.min(200, Number((args[0] as { floorUsers?: unknown } | undefined)?.floorUsers) || 0);
    const users = Array.from({ length: n }, (_, i) => participant(`peer-socket-id-${i}`, i));
    socket.emit('existing-users', { users });
    ack?.({ ok: true, users });
  });
  socket.on('leave-session', (...args: unknown[]) => {
    const ack = ackOf(args);
    if (room) {
      if (tellsClass) socket.to(room).emit('user-left', { socketId: socket.id });
      void socket.leave(room);
    }
    room = null;
    ack?.({ ok: true });
  });
  const hand = (up: boolean) => (...args: unknown[]) => {
    const ack = ackOf(args);
    const self = participant(socket.id, 1, up);
    if (room) io.to(room).emit('participant-updated', self);
    ack?.(up ? { ok: true, self } : { ok: true, participant: self });
  };
  let n = 0;
  socket.on('chat-message', (...args: unknown[]) => {
    const ack = ackOf(args);
    const text = String((args[0] as { text?: unknown } | undefined)?.text ?? '');
    const message = {
      id: `${socket.id}-${++n}`,
      sessionId: room?.slice('class:'.length) ?? '',
      userId: 'student-1-0a1b',
      userName: 'Student 1',
      role: 'student',
      text,
      type: 'text',
      createdAt: new Date().toISOString(),
      editedAt: null,
    };
    if (room) io.to(room).emit('chat-message', message);
    ack?.({ ok: true, message });
  });
  socket.on('raise-hand', hand(true));
  socket.on('lower-hand', hand(false));
});

http.listen(port, host);
const stop = () => {
  io.close();
  http.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
