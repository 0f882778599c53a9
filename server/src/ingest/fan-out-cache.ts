// Which outbound integrations take a workspace's event type, cached for a moment: without it every
// POST /v1/events would read the integration table before its insert. Entries are dropped at once
// when an integration of the workspace is created, edited or changes state (here or, through the live
// bus, on any replica); the TTL bounds staleness should such a message be lost. A stale entry can't
// store an event for a DISCONNECTED integration: the insert itself refuses those rows.
import { type EntityManager, findFanOutTargets, type IntegrationType } from '@switchboard/db';
import { PromiseCache } from './promise-cache.ts';

export type FanOutTarget = { id: string; type: IntegrationType };

export class FanOutCache {
  readonly #cache: PromiseCache<FanOutTarget[]>;
  readonly #em: () => EntityManager;

  constructor(em: () => EntityManager, ttlMs = 1000) {
    this.#em = em;
    this.#cache = new PromiseCache(ttlMs, 50_000);
  }

  get(workspaceId: string, eventType: string, now = Date.now()): Promise<FanOutTarget[]> {
    return this.#cache.get(`${workspaceId}\u0000${eventType}`, () => findFanOutTargets(this.#em(), workspaceId, eventType), now);
  }

  /** Forgets every event type of the workspace (an integration in it was created, edited, or changed state). */
  invalidate(workspaceId: string): void {
    const prefix = `${workspaceId}\u0000`;
    this.#cache.forget((key) => key.startsWith(prefix));
  }
}
