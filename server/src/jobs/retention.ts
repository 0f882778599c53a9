// Retention: payloads are nulled after the payload window (payloadExpired: true, so the console says
// "expired") in small batches, each its own short transaction, through the partial index on unexpired
// payloads; events and attempts go a whole day at a time, by dropping their day partitions (and the
// days ahead are created here). Rollups are kept: they are the dashboards' history and already tiny.
import {
  type Database,
  deleteResolvedIncidentsBefore,
  dropPartitionsBefore,
  type EntityManager,
  ensureDayPartitions,
  expireEventPayloads,
} from '@switchboard/db';

export interface RetentionResult {
  payloadsExpired: number;
  eventsDeleted: number;
  attemptsDeleted: number;
  incidentsDeleted: number;
}

export async function runRetention(
  db: Database,
  opts: { payloadRetentionDays: number; eventRetentionDays: number; now?: Date; batch?: number; shouldStop?: () => boolean },
): Promise<RetentionResult> {
  const now = (opts.now ?? new Date()).getTime();
  const batch = opts.batch ?? 5000;
  const day = 86_400_000;
  const result: RetentionResult = { payloadsExpired: 0, eventsDeleted: 0, attemptsDeleted: 0, incidentsDeleted: 0 };
  const em = () => db.orm.em.fork() as EntityManager;
  // Partitions for the coming week, so new events never land in the default partition.
  await ensureDayPartitions(em(), new Date(now - day), new Date(now + 7 * day));
  const dropped = await dropPartitionsBefore(em(), new Date(now - opts.eventRetentionDays * day));
  result.eventsDeleted += dropped.events;
  result.attemptsDeleted = dropped.attempts;
  for (;;) {
    const n = await expireEventPayloads(em(), new Date(now - opts.payloadRetentionDays * day), batch);
    result.payloadsExpired += n;
    if (n < batch || opts.shouldStop?.()) break;
  }
  // Resolved incidents go with the events they were about.
  result.incidentsDeleted = await deleteResolvedIncidentsBefore(em(), new Date(now - opts.eventRetentionDays * day));
  return result;
}
