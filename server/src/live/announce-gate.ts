// Keeps an event's live changes in order inside one process. An event becomes visible to the worker the
// moment its insert (or replay) commits, but its RECEIVED change is published a little later: after the
// commit's answer reaches Node, and for the writer after the batch's duplicates are looked up. A claim
// answered in between would announce PROCESSING first. So every path that makes events due holds the
// gate open from before its statement until it has published, and the worker publishes what it claimed
// only once every write open at the time of the claim has been announced.
export class AnnounceGate {
  readonly #open = new Set<Promise<void>>();

  /** Marks a write that will make events due and then announce them; call the result once announced (or failed). */
  begin(): () => void {
    let done!: () => void;
    const p = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#open.add(p);
    return () => {
      this.#open.delete(p);
      done();
    };
  }

  /** Runs `write` (a statement that makes events due, then their announcement) with the gate held. */
  async hold<T>(write: () => Promise<T>): Promise<T> {
    const announced = this.begin();
    try {
      return await write();
    } finally {
      announced();
    }
  }

  /** Null when no write is open (publish at once); otherwise resolves when every write open now has announced. */
  settled(): Promise<void> | null {
    if (this.#open.size === 0) return null;
    return Promise.all([...this.#open]).then(() => undefined);
  }
}
