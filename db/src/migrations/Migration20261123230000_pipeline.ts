import { Migration } from '@mikro-orm/migrations';

// The event pipeline: a per-cycle retry base (a replay starts the retry schedule over without
// renumbering attempts), and an index that lets the retention job find unexpired payloads
// without walking past millions of already-expired rows.
export class Migration20261123230000_pipeline extends Migration {
  override name = 'Migration20261123230000_pipeline';

  override up(): void | Promise<void> {
    this.addSql(`alter table "event" add column "retry_base" int not null default 0;`);
    this.addSql(`create index "event_payload_expiry_idx" on "event" ("received_at") where "payload_expired" = false;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "event_payload_expiry_idx";`);
    this.addSql(`alter table "event" drop column "retry_base";`);
  }
}
