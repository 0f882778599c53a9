// The one way the pipeline's event changes reach the live bus. Every operation on events returns its
// changes as bus messages (db/src/event/event-change.ts); this publishes them, in order, and wakes the
// worker when some became due. A write that makes events due runs inside `commit`, which holds the
// announce gate from before its statement until its changes are published (see announce-gate.ts), so
// a claim answered in between is never announced before the RECEIVED it follows.
import type { EventChange } from '@switchboard/db';
import type { LiveBus } from '@switchboard/schema';
import type { AnnounceGate } from './announce-gate.ts';

export class EventAnnouncer {
  readonly #live: LiveBus;
  readonly #gate: AnnounceGate;
  #poke: () => void = () => {};

  constructor(live: LiveBus, gate: AnnounceGate) {
    this.#live = live;
    this.#gate = gate;
  }

  get gate(): AnnounceGate {
    return this.#gate;
  }

  /** Who is woken when changes make events due (the worker, once it exists). */
  onDue(poke: () => void): void {
    this.#poke = poke;
  }

  /** Publishes committed changes; wakes the worker if any event became due. */
  publish(changes: readonly EventChange[]): void {
    let due = false;
    for (const c of changes) {
      this.#live.publish('event:changed', c);
      if (c.status === 'RECEIVED' || c.status === 'RETRYING') due = true;
    }
    if (due) this.#poke();
  }

  /**
   * Runs `write` (one statement, committed when it resolves) with the gate held, then publishes the
   * changes `changesOf` finds in its result; returns the result.
   */
  async commit<T>(write: () => Promise<T>, changesOf: (result: T) => readonly EventChange[]): Promise<T> {
    return this.#gate.hold(async () => {
      const result = await write();
      this.publish(changesOf(result));
      return result;
    });
  }
}
