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
 */
export const serverNodeFlags = ['--max-semi-space-size=64'];

/** The classroom server's command line after `node`, from the project's root. */
export const serverArgs = [...serverNodeFlags, '--import', 'tsx', 'apps/server/main.ts'];
