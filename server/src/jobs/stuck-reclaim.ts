// Events whose live lease has made no progress for longer than the stuck threshold (their worker hangs
// on them) go back to the queue (RETRYING, code STUCK, due now) with their history saying so.
import { type Database, type EntityManager, reclaimStuckEvents } from '@switchboard/db';
import type { EventAnnouncer } from '../live/event-announcer.ts';

export async function reclaimStuck(
  db: Database,
  events: EventAnnouncer,
  opts: { stuckAfterMs: number; now?: Date; batch?: number },
): Promise<number> {
  const now = opts.now ?? new Date();
  const batch = opts.batch ?? 1000;
  const minutes = opts.stuckAfterMs / 60_000;
  const window = minutes >= 1 ? `${Math.round(minutes)} minutes` : `${Math.round(opts.stuckAfterMs / 1000)} seconds`;
  let total = 0;
  for (;;) {
    const rows = await events.commit(
      () =>
        reclaimStuckEvents(db.orm.em.fork() as EntityManager, {
          olderThan: new Date(now.getTime() - opts.stuckAfterMs),
          now,
          limit: batch,
          reason: `reclaimed: stuck in PROCESSING for more than ${window} (its worker made no progress); queued again`,
        }),
      (changes) => changes,
    );
    total += rows.length;
    if (rows.length < batch) return total;
  }
}
