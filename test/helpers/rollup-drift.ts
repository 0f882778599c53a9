// The rollups' definition, restated independently of the code that keeps them: every event that is not
// a test event counts once under its UTC receive hour, integration and status — in event_rollup also
// under its error code while RETRYING/FAILED ('' otherwise), in event_status_rollup without one.
// Returns every row where a rollup and a GROUP BY over the events disagree (empty: they agree).
import pg from 'pg';

export interface RollupDrift {
  rollup: 'event_rollup' | 'event_status_rollup';
  hour: Date;
  integration_id: string;
  status: string;
  error_code: string | null;
  events: number | null;
  counted: number | null;
}

export async function rollupDrift(url: string): Promise<RollupDrift[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<RollupDrift>(
      `with by_code as (
         select workspace_id, date_trunc('hour', received_at, 'UTC') as hour, integration_id, status::text as status,
                case when status in ('FAILED', 'RETRYING') then coalesce(error_code, '') else '' end::text as error_code, count(*)::int as n
         from event where not is_test group by 1, 2, 3, 4, 5
       ),
       by_status as (
         select workspace_id, hour, integration_id, status, sum(n)::int as n from by_code group by 1, 2, 3, 4
       )
       select 'event_rollup' as rollup, hour, integration_id, status, error_code, a.n as events, r.count as counted
       from by_code a full join (select * from event_rollup where count <> 0) r using (workspace_id, hour, integration_id, status, error_code)
       where a.n is distinct from r.count
       union all
       select 'event_status_rollup', hour, integration_id, status, null, a.n, r.count
       from by_status a full join (select * from event_status_rollup where count <> 0) r using (workspace_id, hour, integration_id, status)
       where a.n is distinct from r.count
       order by 1, 2, 3, 4, 5`,
    );
    return rows;
  } finally {
    await client.end();
  }
}
