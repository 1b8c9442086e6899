import { type ClassStore, createMemoryClassStore } from '../../src/server/classroom/class-store';

/**
 * A memory store whose next command stores its change, then keeps its caller waiting until `let go`:
 * the moment between a command being stored and the server acting on it (telling the class,
 * storing its notes), which on several nodes (a round trip to Redis) is wide enough for the class
 * or the server to move on.
 */
export function storeWithAPause() {
  const inner = createMemoryClassStore();
  let pause: { stored: () => void; until: Promise<void> } | null = null;
  const store: ClassStore = {
    read: (id) => inner.read(id),
    list: () => inner.list(),
    async apply(id, command) {
      const res = await inner.apply(id, command);
      const p = pause;
      pause = null;
      if (p) {
        p.stored();
        await p.until;
      }
      return res;
    },
  };
  /** Pauses the next command once it is stored; resolves `stored` then, and goes on when `go` is called. */
  const pauseNext = () => {
    let go!: () => void;
    let stored!: () => void;
    const storedNow = new Promise<void>((resolve) => (stored = resolve));
    pause = { stored, until: new Promise<void>((resolve) => (go = resolve)) };
    return { stored: storedNow, go };
  };
  /** Makes the next command fail, as a store that lost its connection would. */
  const failNext = () => {
    const real = store.apply;
    store.apply = async () => {
      store.apply = real;
      throw new Error('the store went away');
    };
  };
  return { store, pauseNext, failNext };
}
