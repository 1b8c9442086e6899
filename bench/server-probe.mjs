// Preloaded into server processes by the bench only (`node --import bench/server-probe.mjs …`):
// measures the event-loop delay, heap and CPU of the process it runs in, and answers the bench
// over the IPC channel. The server's own code knows nothing of it.
import { readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** Linux counts thread CPU in ticks of 1/USER_HZ s, and USER_HZ is 100 on every platform Node runs on. */
const tickMs = 10;

/**
 * CPU ticks of each of this process's threads (Linux `/proc/self/task`; null elsewhere), by thread
 * id. Node names none of its threads (all are "node"), so only the event loop's, whose id is the
 * process's, can be told apart.
 */
function threadTicks() {
  let tids;
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  const threads = new Map();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // After the name in brackets: state is field 3, utime field 14 and stime field 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/**
 * CPU ms since `before`: the event loop's thread, and every other thread's (V8's garbage-collector
 * helpers, libuv's pool, worker threads such as the SQLite one), largest first. Threads that ended
 * meanwhile are not counted.
 */
function threadCpuSince(before) {
  const now = threadTicks();
  if (!now || !before) return null;
  const main = String(process.pid);
  const spent = (tid) => ((now.get(tid) ?? 0) - (before.get(tid) ?? 0)) * tickMs;
  const others = [...now.keys()].filter((tid) => tid !== main).map(spent).filter((ms) => ms > 0).sort((a, b) => b - a);
  return { main: spent(main), others };
}

if (process.send) {
  // The histogram records whole timer intervals (resolution + delay): the delay is what lies beyond.
  const resolution = 10;
  const histogram = monitorEventLoopDelay({ resolution });
  histogram.enable();
  // Thread CPU is read from /proc only when asked (a few files per thread, too many for every poll).
  let since = { cpu: process.cpuUsage(), at: performance.now(), threads: null };
  // Garbage-collection pauses since the last reset: how many, the longest, the total.
  let gc = { count: 0, maxMs: 0, totalMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      if (entry.duration > gc.maxMs) gc.maxMs = entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const ms = (ns) => Math.max(0, ns / 1e6 - resolution);

  process.on('message', (message) => {
    if (!message || message.bench !== 'stats') return;
    if (message.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const cpu = process.cpuUsage(since.cpu);
    const memory = process.memoryUsage();
    process.send({
      bench: 'stats',
      id: message.id,
      eld: {
        p50: ms(histogram.percentile(50)),
        p99: ms(histogram.percentile(99)),
        max: ms(histogram.max),
        mean: ms(histogram.mean),
        samples: histogram.count,
      },
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      cpuMs: (cpu.user + cpu.system) / 1000,
      threadCpuMs: message.threads ? threadCpuSince(since.threads) : null,
      gc,
      wallMs: performance.now() - since.at,
    });
    if (message.reset) {
      histogram.reset();
      since = { cpu: process.cpuUsage(), at: performance.now(), threads: message.threads ? threadTicks() : null };
      gc = { count: 0, maxMs: 0, totalMs: 0 };
    }
  });
  // The bench went away without stopping this server: stop it the ordinary way.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
