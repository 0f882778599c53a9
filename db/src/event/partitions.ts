// Day partitions of `event` (by received_at) and `delivery_attempt` (by started_at): created ahead by
// the jobs (and by bulk writers for the days they fill), dropped whole by retention. Rows for a day
// without its partition land in the default partition and are moved out when the day's is created.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';

export const PARTITIONED_TABLES = ['event', 'delivery_attempt'] as const;
const DAY = 86_400_000;

const utcDay = (d: Date) => new Date(Math.floor(d.getTime() / DAY) * DAY);

/** SQL that creates the partitions of every day in [$1, $2] (dates) for both tables; for any client. */
export const ENSURE_PARTITIONS_SQL = `select count(*) filter (where made)::int as created from (
   select sb_ensure_day_partition(t, d::date) as made
   from unnest(array['event', 'delivery_attempt']) t, generate_series($1::date, $2::date, interval '1 day') d
 ) x`;

/** Creates the day partitions of both tables from `from`'s day to `to`'s day (UTC); returns how many were new. */
export async function ensureDayPartitions(em: EntityManager, from: Date, to: Date): Promise<number> {
  const rows = await queryRows<{ created: number }>(em, ENSURE_PARTITIONS_SQL, [
    utcDay(from).toISOString().slice(0, 10),
    utcDay(to).toISOString().slice(0, 10),
  ]);
  return rows[0]?.created ?? 0;
}

/** A table's day partitions, oldest first. */
export async function dayPartitions(
  em: EntityManager,
  table: (typeof PARTITIONED_TABLES)[number],
): Promise<Array<{ name: string; day: Date }>> {
  const rows = await queryRows<{ name: string }>(
    em,
    `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = $1::regclass order by 1`,
    [table],
  );
  return rows
    .map((r) => ({ name: r.name, m: /_p(\d{4})(\d{2})(\d{2})$/.exec(r.name) }))
    .filter((r) => r.m)
    .map((r) => ({ name: r.name, day: new Date(Date.UTC(Number(r.m?.[1]), Number(r.m?.[2]) - 1, Number(r.m?.[3]))) }));
}

/**
 * Retention: drops the partitions whose whole day lies before `cutoff` (their rows counted first),
 * deletes what is older than `cutoff` in the default partitions, and forgets idempotency keys as old
 * as the events dropped. Returns the rows removed per table.
 */
export async function dropPartitionsBefore(
  em: EntityManager,
  cutoff: Date,
): Promise<{ events: number; attempts: number; partitions: string[] }> {
  const out = { events: 0, attempts: 0, partitions: [] as string[] };
  for (const table of PARTITIONED_TABLES) {
    let removed = 0;
    for (const p of await dayPartitions(em, table)) {
      if (p.day.getTime() + DAY > cutoff.getTime()) continue;
      const [count] = await queryRows<{ n: number }>(em, `select count(*)::int as n from "${p.name}"`);
      await queryRows(em, `drop table "${p.name}"`);
      removed += count?.n ?? 0;
      out.partitions.push(p.name);
    }
    const col = table === 'event' ? 'received_at' : 'started_at';
    const [deleted] = await queryRows<{ n: number }>(
      em,
      `with d as (delete from "${table}_pdefault" where ${col} < $1::timestamptz returning 1) select count(*)::int as n from d`,
      [cutoff.toISOString()],
    );
    removed += deleted?.n ?? 0;
    if (table === 'event') out.events = removed;
    else out.attempts = removed;
  }
  // Queue rows of events dropped with their day (still undelivered when retention passed them).
  await queryRows(em, 'delete from event_queue where received_at < $1::timestamptz', [cutoff.toISOString()]);
  // The oldest event still kept: keys of events older than that are gone with them.
  const [oldest] = await queryRows<{ at: string | null }>(em, 'select min(received_at) as at from event');
  await queryRows(em, 'delete from event_idempotency where received_at < $1::timestamptz', [
    oldest?.at ? new Date(oldest.at).toISOString() : cutoff.toISOString(),
  ]);
  return out;
}
