import { Migration } from '@mikro-orm/migrations';

// Test events (sendTestEvent, isTest) are no longer counted in the hourly rollups: dashboards describe
// real traffic. Takes the ones counted before this out of the rollups (same key rule as the pipeline:
// the error code counts for RETRYING/FAILED only). Events already deleted by retention are gone from
// both, so what remains is exact.
export class Migration20261201140000_test_events_out_of_rollups extends Migration {
  override name = 'Migration20261201140000_test_events_out_of_rollups';

  override up(): void | Promise<void> {
    this.addSql(
      `with t as (
         select workspace_id, date_trunc('hour', received_at, 'UTC') as hour, integration_id, status,
                case when status in ('RETRYING', 'FAILED') then coalesce(error_code, '') else '' end as error_code, count(*)::int as n
         from event where is_test group by 1, 2, 3, 4, 5
       )
       update event_rollup r set count = greatest(r.count - t.n, 0)
       from t
       where r.workspace_id = t.workspace_id and r.hour = t.hour and r.integration_id = t.integration_id
         and r.status = t.status and r.error_code = t.error_code;`,
    );
  }

  override down(): void | Promise<void> {
    // Counting test events again is not wanted; nothing to undo.
  }
}
