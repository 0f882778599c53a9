import { Migration } from '@mikro-orm/migrations';

// Delivery protection (DESIGN.md): the previous signing secret stays valid for a grace window after a
// rotation (sealed like the current one); rate-limit throttling shared by every worker process (the
// claim skips an integration until `throttled_until`; an optional static limit paced by `rate_tat`, the
// next free send slot); a cap on deliveries in flight per integration; the circuit breaker's state.
export class Migration20261201200000_delivery_protection extends Migration {
  override name = 'Migration20261201200000_delivery_protection';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "integration" add column "previous_signing_secret" text null, add column "previous_secret_expires_at" timestamptz null;`,
    );
    this.addSql(
      `alter table "integration" add column "throttled_until" timestamptz null, add column "delivery_rate_limit" int null,
         add column "delivery_rate_period" varchar(255) not null default 'SECOND', add column "rate_tat" timestamptz null;`,
    );
    this.addSql(
      `alter table "integration" add column "max_in_flight" int null, add column "circuit" varchar(255) not null default 'CLOSED',
         add column "circuit_opened_at" timestamptz null, add column "circuit_probe_at" timestamptz null,
         add column "circuit_probes" int not null default 0, add column "failing_since" timestamptz null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "integration" drop column "previous_signing_secret", drop column "previous_secret_expires_at";`);
    this.addSql(
      `alter table "integration" drop column "throttled_until", drop column "delivery_rate_limit", drop column "delivery_rate_period", drop column "rate_tat";`,
    );
    this.addSql(
      `alter table "integration" drop column "max_in_flight", drop column "circuit", drop column "circuit_opened_at",
         drop column "circuit_probe_at", drop column "circuit_probes", drop column "failing_since";`,
    );
  }
}
