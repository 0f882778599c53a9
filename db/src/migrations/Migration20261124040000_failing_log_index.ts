import { Migration } from '@mikro-orm/migrations';

// The event log filtered to failures (FAILED or RETRYING), newest first: the view an operator opens
// when something breaks. Through the workspace's log index it read every event until it had a page of
// failures (~8,600 rows for 50 at 10 M events, 47 ms); this index holds failing events only, so it
// costs an entry per event that fails, not per event.
export class Migration20261124040000_failing_log_index extends Migration {
  override name = 'Migration20261124040000_failing_log_index';

  override up(): void | Promise<void> {
    this.addSql(
      `create index "event_failing_log_idx" on "event" ("workspace_id", "received_at" desc, "id" desc) where "status" in ('FAILED', 'RETRYING');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "event_failing_log_idx";`);
  }
}
