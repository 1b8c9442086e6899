// Preloaded into server processes by the bench only (`node --import bench/server-probe.mjs …`):
// measures the event-loop delay, heap and CPU of the process it runs in, and answers the bench
// over the IPC channel. The server's own code knows nothing of it.
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

if (process.send) {
  // The histogram records whole timer intervals (resolution + delay): the delay is what lies beyond.
  const resolution = 10;
  const histogram = monitorEventLoopDelay({ resolution });
  histogram.enable();
  let since = { cpu: process.cpuUsage(), at: performance.now() };
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
      gc,
      wallMs: performance.now() - since.at,
    });
    if (message.reset) {
      histogram.reset();
      since = { cpu: process.cpuUsage(), at: performance.now() };
      gc = { count: 0, maxMs: 0, totalMs: 0 };
    }
  });
  // The bench went away without stopping this server: stop it the ordinary way.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
