/**
 * Holds the class's news while a join is on its way. The server puts a joining socket in the class
 * before it stores the join, so what happens after the join's snapshot (`users` in its answer)
 * arrives as events, some of them before the answer itself. Applied before the snapshot they would
 * be overwritten by it; held, and applied after it in the order they came, they bring the snapshot
 * up to date.
 */
export class EventHold {
  private held: Array<() => void> | null = null;
  private current = 0;

  /** From now on, `run` keeps what it is given; returns this hold, for `release` or `drop`. */
  hold(): number {
    this.held = [];
    return ++this.current;
  }

  /** Applies `apply` now, or keeps it while holding. */
  run(apply: () => void): void {
    if (this.held) this.held.push(apply);
    else apply();
  }

  /** Ends the hold and applies what it kept, in the order it came (a hold since replaced: nothing). */
  release(hold: number): void {
    if (hold !== this.current || !this.held) return;
    const held = this.held;
    this.held = null;
    for (const apply of held) apply();
  }

  /** Ends the hold and forgets what it kept: the join failed, none of it is ours. */
  drop(hold: number): void {
    if (hold === this.current) this.held = null;
  }
}
