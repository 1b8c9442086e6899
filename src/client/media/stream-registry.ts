/**
 * The live MediaStreams, kept out of the store (they are not plain data). Tiles subscribe to
 * the one they show.
 */
export class StreamRegistry {
  private streams = new Map<string, MediaStream>();
  private listeners = new Set<() => void>();

  get(key: string): MediaStream | null {
    return this.streams.get(key) ?? null;
  }

  set(key: string, stream: MediaStream | null): void {
    if (stream) this.streams.set(key, stream);
    else if (!this.streams.delete(key)) return;
    for (const listener of this.listeners) listener();
  }

  clear(): void {
    this.streams.clear();
    for (const listener of this.listeners) listener();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The registry key of one's own camera and microphone. */
export const localStreamKey = 'local';
