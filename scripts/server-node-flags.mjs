import { availableParallelism } from 'node:os';

/**
 * Node's flags for a classroom server process: `npm start`, the tests' servers and the benchmark's.
 *
 * A larger young generation: every hand raised, join and chat line allocates short-lived objects
 * (the parsed packet, the payload, the frame written to each classmate) that die within
 * milliseconds. With Node 20's default the young generation fills several times a second at a few
 * thousand sockets, and what is still in flight at each collection is copied twice and then promoted
 * to the old generation, whose marking runs beside the server. At 64 MiB a collection comes rarely
 * enough that nearly all of it has died. Measured in the capacity benchmark (docs/benchmarks.md):
 * at 6,000 sockets the server used 35% of a core instead of 42–51%.
 *
 * No more garbage-collector helper threads than the cores the event loop leaves free: Node starts
 * four whatever the machine. On two cores, helpers marking and scavenging beside the event loop
 * compete with it for its core: the event loop stalled 100–270 ms at 8,000–10,000 sockets although
 * garbage collection itself paused it for at most 35 ms. With one helper the classroom reached
 * 10,020 sockets in capacity ramps where with four it never did (the ramps: docs/benchmarks.md,
 * "Capacity examined again"). The heap is small (13 KiB a socket), so fewer helpers cost little.
 */
const gcHelpers = Math.min(4, Math.max(1, availableParallelism() - 1));
export const serverNodeFlags = ['--max-semi-space-size=64', `--v8-pool-size=${gcHelpers}`];

/** The classroom server's command line after `node`, from the project's root. */
export const serverArgs = [...serverNodeFlags, '--import', 'tsx', 'apps/server/main.ts'];
