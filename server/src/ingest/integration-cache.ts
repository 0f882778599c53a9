// What ingest needs to know about an integration, cached for a moment: at 20,000 requests/s a
// lookup per request would be most of the database's work. Staleness is bounded by the TTL and cut
// short by lifecycle messages on the live bus; DISCONNECTED is also enforced by the insert itself
// (a row for a disconnected integration is never written), so a stale entry can't store an event.
import { type EntityManager, findIngestTarget, type IngestTarget } from '@switchboard/db';

export type IngestIntegration = IngestTarget;

export class IntegrationCache {
  readonly #entries = new Map<string, { value: Promise<IngestIntegration | null>; at: number }>();
  readonly #em: () => EntityManager;
  readonly #ttlMs: number;

  constructor(em: () => EntityManager, ttlMs = 1000) {
    this.#em = em;
    this.#ttlMs = ttlMs;
  }

  get(id: string, now = Date.now()): Promise<IngestIntegration | null> {
    const hit = this.#entries.get(id);
    if (hit && now - hit.at < this.#ttlMs) return hit.value;
    const value = this.#load(id);
    this.#entries.set(id, { value, at: now });
    if (this.#entries.size > 50_000) this.#entries.clear();
    // A failed lookup (database down) is not remembered.
    value.catch(() => {
      if (this.#entries.get(id)?.value === value) this.#entries.delete(id);
    });
    return value;
  }

  invalidate(id?: string): void {
    if (id === undefined) this.#entries.clear();
    else this.#entries.delete(id);
  }

  #load(id: string): Promise<IngestIntegration | null> {
    return findIngestTarget(this.#em(), id);
  }
}
