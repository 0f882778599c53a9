// Events PROCESSING for longer than the stuck threshold belonged to a worker that died: put them back
// in the queue (RETRYING, code STUCK, due now) with their history saying so.
import { type Database, type EntityManager, reclaimStuckEvents } from '@switchboard/db';
import type { LiveBus } from '@switchboard/schema';
import type { AnnounceGate } from '../live/announce-gate.ts';

export async function reclaimStuck(
  db: Database,
  live: LiveBus,
  opts: { stuckAfterMs: number; now?: Date; batch?: number; gate?: AnnounceGate | undefined },
): Promise<number> {
  const now = opts.now ?? new Date();
  const minutes = opts.stuckAfterMs / 60_000;
  const window = minutes >= 1 ? `${Math.round(minutes)} minutes` : `${Math.round(opts.stuckAfterMs / 1000)} seconds`;
  let total = 0;
  // Held while the reclaimed events are due but not yet announced (see live/announce-gate.ts).
  const reclaimAndAnnounce = async () => {
    const rows = await reclaimStuckEvents(db.orm.em.fork() as EntityManager, {
      olderThan: new Date(now.getTime() - opts.stuckAfterMs),
      now,
      limit: opts.batch ?? 1000,
      reason: `reclaimed: stuck in PROCESSING for more than ${window} (its worker stopped); queued again`,
    });
    for (const r of rows) {
      live.publish('event:changed', {
        workspaceId: r.workspaceId,
        eventId: r.id,
        integrationId: r.integrationId,
        integrationType: r.integrationType,
        status: 'RETRYING',
        previousStatus: 'PROCESSING',
        errorCode: 'STUCK',
        at: now.toISOString(),
      });
    }
    return rows;
  };
  for (;;) {
    const rows = await (opts.gate ? opts.gate.hold(reclaimAndAnnounce) : reclaimAndAnnounce());
    total += rows.length;
    if (rows.length < (opts.batch ?? 1000)) return total;
  }
}
