// What ingest needs to know about an integration, cached for a moment: at 20,000 requests/s a
// lookup per request would be most of the database's work. Staleness is bounded by the TTL and cut
// short by lifecycle and settings messages on the live bus; DISCONNECTED is also enforced by the insert
// itself (a row for a disconnected integration is never written), so a stale entry can't store an event.
import { type EntityManager, findIngestTarget, type IngestTarget } from '@switchboard/db';
import { PromiseCache } from './promise-cache.ts';

export type IngestIntegration = IngestTarget;

export class IntegrationCache {
  readonly #cache: PromiseCache<IngestIntegration | null>;
  readonly #em: () => EntityManager;

  constructor(em: () => EntityManager, ttlMs = 1000) {
    this.#em = em;
    this.#cache = new PromiseCache(ttlMs, 50_000);
  }

  get(id: string, now = Date.now()): Promise<IngestIntegration | null> {
    return this.#cache.get(id, () => findIngestTarget(this.#em(), id), now);
  }

  invalidate(id?: string): void {
    this.#cache.forget(id === undefined ? undefined : (key) => key === id);
  }
}
