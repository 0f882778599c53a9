import { Migration } from '@mikro-orm/migrations';

// Claims are leases: the worker holding an event names itself and renews an expiry while it works on
// it, so the events of a process that died are claimed again as soon as its leases run out (seconds),
// not after the 15-minute stuck threshold, which now only flags a live lease that makes no progress.
export class Migration20261201110000_leases extends Migration {
  override name = 'Migration20261201110000_leases';

  override up(): void | Promise<void> {
    this.addSql(`alter table "event" add column "lease_owner" varchar(255) null, add column "lease_expires_at" timestamptz null;`);
    this.addSql(`create index "event_lease_idx" on "event" ("lease_expires_at") where "status" = 'PROCESSING';`);
    // Events PROCESSING from before leases existed expire at once (their claims have no owner to renew them).
    this.addSql(`update "event" set "lease_expires_at" = "processing_started_at" where "status" = 'PROCESSING';`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "event_lease_idx";`);
    this.addSql(`alter table "event" drop column "lease_owner", drop column "lease_expires_at";`);
  }
}
