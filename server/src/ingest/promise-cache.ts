// A lookup remembered for a moment, by key: concurrent asks share one load, a failed load (database
// down) is not remembered, and the map never outgrows its bound. The settings caches of ingest and
// publish are this, with their own loads and invalidation.
export class PromiseCache<V> {
  readonly #entries = new Map<string, { value: Promise<V>; at: number }>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  get(key: string, load: () => Promise<V>, now = Date.now()): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#ttlMs) return hit.value;
    if (this.#entries.size >= this.#maxEntries) this.#entries.clear();
    const entry = { value: load(), at: now };
    this.#entries.set(key, entry);
    entry.value.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return entry.value;
  }

  /** Forgets the keys `matches` accepts (all of them without it). */
  forget(matches?: (key: string) => boolean): void {
    if (!matches) this.#entries.clear();
    else for (const key of this.#entries.keys()) if (matches(key)) this.#entries.delete(key);
  }
}
