import { Migration } from '@mikro-orm/migrations';

// The worker claims due events per ACTIVE integration, in due order, through an index that starts
// with the integration: each claim reads only the rows it may take, whatever the backlog, the
// statistics (a young table has none) or the number of held events of paused integrations.
export class Migration20261124010000_claim_index extends Migration {
  override name = 'Migration20261124010000_claim_index';

  override up(): void | Promise<void> {
    this.addSql(`drop index if exists "event_due_idx";`);
    this.addSql(
      `create index "event_due_idx" on "event" ("integration_id", "next_attempt_at", "received_at") where "status" in ('RECEIVED', 'RETRYING');`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "event_due_idx";`);
    this.addSql(`create index "event_due_idx" on "event" ("next_attempt_at") where "status" in ('RECEIVED', 'RETRYING');`);
  }
}
