import { Migration } from '@mikro-orm/migrations';

// Events (by received_at) and delivery attempts (by started_at) become day-partitioned tables, so
// retention drops a day's partition instead of deleting rows one by one. A partitioned table's unique
// keys must include the partition key, so the idempotency key moves to a table of its own
// (event_idempotency: one row per (integration, key), exact across partitions, kept as long as events).
// An attempt's key to its event is no longer a foreign key (attempts and events are dropped by day);
// attempts go with their integration instead. Existing rows are copied into the new tables, whose day
// partitions are created for the days the data covers and a week ahead (the jobs keep creating them).

const EVENT_INDEXES = [
  `create index "event_log_idx" on "event" ("workspace_id", "received_at" desc, "id" desc)`,
  `create index "event_integration_log_idx" on "event" ("integration_id", "received_at" desc, "id" desc)`,
  `create index "event_processing_idx" on "event" ("processing_started_at") where "status" = 'PROCESSING'`,
  `create index "event_lease_idx" on "event" ("lease_expires_at") where "status" = 'PROCESSING'`,
  `create index "event_received_at_idx" on "event" ("received_at")`,
  `create index "event_trace_idx" on "event" ("workspace_id", "trace_id")`,
  `create index "event_source_record_idx" on "event" ("workspace_id", "source_record_id") where "source_record_id" is not null`,
  `create index "event_destination_record_idx" on "event" ("workspace_id", "destination_record_id") where "destination_record_id" is not null`,
  `create index "event_idempotency_search_idx" on "event" ("workspace_id", "idempotency_key") where "idempotency_key" is not null`,
  `create index "event_payload_expiry_idx" on "event" ("received_at") where "payload_expired" = false`,
  `create index "event_due_idx" on "event" ("integration_id", "next_attempt_at", "received_at") where "status" in ('RECEIVED', 'RETRYING')`,
  `create index "event_failing_log_idx" on "event" ("workspace_id", "received_at" desc, "id" desc) where "status" in ('FAILED', 'RETRYING')`,
  `create index "event_payload_search_idx" on "event" using gin ("payload" jsonb_path_ops) where "payload" is not null`,
];

const ATTEMPT_INDEXES = [
  `create index "delivery_attempt_event_idx" on "delivery_attempt" ("event_id", "attempt_number")`,
  `create index "delivery_attempt_log_idx" on "delivery_attempt" ("integration_id", "started_at" desc, "id" desc)`,
  `create index "delivery_attempt_started_at_idx" on "delivery_attempt" ("started_at")`,
];

/** Creates (idempotently) the UTC day partition of `parent` holding `day`, moving matching rows out of the default partition first. */
const ENSURE_DAY_PARTITION = `
create or replace function sb_ensure_day_partition(parent text, day date) returns boolean language plpgsql as $fn$
declare
  part text := parent || '_p' || to_char(day, 'YYYYMMDD');
  col text := case parent when 'event' then 'received_at' else 'started_at' end;
  lo timestamptz := day::timestamp at time zone 'UTC';
  hi timestamptz := (day + 1)::timestamp at time zone 'UTC';
begin
  if to_regclass(part) is not null then
    return false;
  end if;
  execute format('create table %I (like %I including defaults including constraints)', part, parent);
  execute format('with moved as (delete from %I where %I >= %L and %I < %L returning *) insert into %I select * from moved',
                 parent || '_pdefault', col, lo, col, hi, part);
  execute format('alter table %I attach partition %I for values from (%L) to (%L)', parent, part, lo, hi);
  return true;
end
$fn$;`;

export class Migration20261201150000_day_partitions extends Migration {
  override name = 'Migration20261201150000_day_partitions';

  override up(): void | Promise<void> {
    this.addSql(`alter table "delivery_attempt" drop constraint if exists "delivery_attempt_event_id_foreign";`);
    this.addSql(`alter table "event" rename to "event_unpartitioned";`);
    this.addSql(`alter table "delivery_attempt" rename to "delivery_attempt_unpartitioned";`);
    this.addSql(
      `create table "event" (like "event_unpartitioned" including defaults including constraints) partition by range ("received_at");`,
    );
    this.addSql(
      `create table "delivery_attempt" (like "delivery_attempt_unpartitioned" including defaults including constraints) partition by range ("started_at");`,
    );
    this.addSql(`create table "event_pdefault" partition of "event" default;`);
    this.addSql(`create table "delivery_attempt_pdefault" partition of "delivery_attempt" default;`);
    this.addSql(ENSURE_DAY_PARTITION);
    this.addSql(
      `select sb_ensure_day_partition('event', d::date) from generate_series(
         coalesce((select min(received_at) at time zone 'UTC' from event_unpartitioned)::date, (now() at time zone 'UTC')::date),
         (now() at time zone 'UTC')::date + 7, interval '1 day') d;`,
    );
    this.addSql(
      `select sb_ensure_day_partition('delivery_attempt', d::date) from generate_series(
         coalesce((select min(started_at) at time zone 'UTC' from delivery_attempt_unpartitioned)::date, (now() at time zone 'UTC')::date),
         (now() at time zone 'UTC')::date + 7, interval '1 day') d;`,
    );
    this.addSql(`insert into "event" select * from "event_unpartitioned";`);
    this.addSql(`insert into "delivery_attempt" select * from "delivery_attempt_unpartitioned";`);
    this.addSql(`drop table "delivery_attempt_unpartitioned";`);
    this.addSql(`drop table "event_unpartitioned";`);
    this.addSql(`alter table "event" add constraint "event_pkey" primary key ("id", "received_at");`);
    this.addSql(`alter table "delivery_attempt" add constraint "delivery_attempt_pkey" primary key ("id", "started_at");`);
    for (const sql of [...EVENT_INDEXES, ...ATTEMPT_INDEXES]) this.addSql(`${sql};`);
    this.addSql(
      `alter table "event" add constraint "event_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "event" add constraint "event_integration_id_foreign" foreign key ("integration_id") references "integration" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "delivery_attempt" add constraint "delivery_attempt_integration_id_foreign" foreign key ("integration_id") references "integration" ("id") on delete cascade;`,
    );
    this.addSql(
      `create table "event_idempotency" ("integration_id" uuid not null references "integration" ("id") on delete cascade, "idempotency_key" varchar(255) not null,
         "event_id" uuid not null, "received_at" timestamptz not null, primary key ("integration_id", "idempotency_key"));`,
    );
    this.addSql(`create index "event_idempotency_received_at_idx" on "event_idempotency" ("received_at");`);
    this.addSql(
      `insert into "event_idempotency" ("integration_id", "idempotency_key", "event_id", "received_at")
       select "integration_id", "idempotency_key", "id", "received_at" from "event" where "idempotency_key" is not null
       on conflict do nothing;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "event_idempotency";`);
    this.addSql(`alter table "event" rename to "event_partitioned";`);
    this.addSql(`alter table "delivery_attempt" rename to "delivery_attempt_partitioned";`);
    this.addSql(`create table "event" (like "event_partitioned" including defaults including constraints);`);
    this.addSql(`create table "delivery_attempt" (like "delivery_attempt_partitioned" including defaults including constraints);`);
    this.addSql(`insert into "event" select * from "event_partitioned";`);
    this.addSql(`insert into "delivery_attempt" select * from "delivery_attempt_partitioned";`);
    this.addSql(`drop table "delivery_attempt_partitioned" cascade;`);
    this.addSql(`drop table "event_partitioned" cascade;`);
    this.addSql(`drop function if exists sb_ensure_day_partition(text, date);`);
    this.addSql(`alter table "event" add constraint "event_pkey" primary key ("id");`);
    this.addSql(`alter table "delivery_attempt" add constraint "delivery_attempt_pkey" primary key ("id");`);
    for (const sql of [...EVENT_INDEXES, ...ATTEMPT_INDEXES]) this.addSql(`${sql};`);
    this.addSql(
      `create unique index "event_idempotency_key_unique" on "event" ("integration_id", "idempotency_key") where "idempotency_key" is not null;`,
    );
    this.addSql(
      `alter table "event" add constraint "event_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "event" add constraint "event_integration_id_foreign" foreign key ("integration_id") references "integration" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "delivery_attempt" add constraint "delivery_attempt_event_id_foreign" foreign key ("event_id") references "event" ("id") on delete cascade;`,
    );
  }
}
