// Retention: payloads are nulled after the payload window (payloadExpired: true, so the console says
// "expired"), events and their attempts deleted after the event window. Both walk in small batches,
// each its own short transaction, so the table is never locked for long even at 10M events; the
// partial index on unexpired payloads keeps each batch an index range scan. Rollups are kept: they
// are the dashboards' history and are already tiny.
import { type Database, deleteEventsBefore, deleteResolvedIncidentsBefore, type EntityManager, expireEventPayloads } from '@switchboard/db';

export interface RetentionResult {
  payloadsExpired: number;
  eventsDeleted: number;
  incidentsDeleted: number;
}

export async function runRetention(
  db: Database,
  opts: { payloadRetentionDays: number; eventRetentionDays: number; now?: Date; batch?: number; shouldStop?: () => boolean },
): Promise<RetentionResult> {
  const now = (opts.now ?? new Date()).getTime();
  const batch = opts.batch ?? 5000;
  const day = 86_400_000;
  const result: RetentionResult = { payloadsExpired: 0, eventsDeleted: 0, incidentsDeleted: 0 };
  const em = () => db.orm.em.fork() as EntityManager;
  for (;;) {
    const n = await deleteEventsBefore(em(), new Date(now - opts.eventRetentionDays * day), batch);
    result.eventsDeleted += n;
    if (n < batch || opts.shouldStop?.()) break;
  }
  for (;;) {
    const n = await expireEventPayloads(em(), new Date(now - opts.payloadRetentionDays * day), batch);
    result.payloadsExpired += n;
    if (n < batch || opts.shouldStop?.()) break;
  }
  // Resolved incidents go with the events they were about.
  result.incidentsDeleted = await deleteResolvedIncidentsBefore(em(), new Date(now - opts.eventRetentionDays * day));
  return result;
}
