import { Migration } from '@mikro-orm/migrations';

// Search inside payloads (the event log's `email = grace@example.com`, or JSON containment): a GIN index
// over the payload's paths and values (jsonb_path_ops: only @>, a third of the size of the default
// opclass). Payloads are nulled when they expire, so only the payload retention window is indexed.
export class Migration20261201130000_payload_search_index extends Migration {
  override name = 'Migration20261201130000_payload_search_index';

  override up(): void | Promise<void> {
    this.addSql(`create index "event_payload_search_idx" on "event" using gin ("payload" jsonb_path_ops) where "payload" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "event_payload_search_idx";`);
  }
}
