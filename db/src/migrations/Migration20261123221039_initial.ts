import { Migration } from '@mikro-orm/migrations';

export class Migration20261123221039_initial extends Migration {
  override name = 'Migration20261123221039_initial';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "event_rollup" ("workspace_id" uuid not null, "hour" timestamptz not null, "integration_id" uuid not null, "status" varchar(255) not null, "error_code" varchar(255) not null, "integration_type" varchar(255) not null, "count" int not null default 0, "first_at" timestamptz not null, "last_at" timestamptz not null, primary key ("workspace_id", "hour", "integration_id", "status", "error_code"));`,
    );

    this.addSql(
      `create table "workspace" ("id" uuid not null, "name" varchar(255) not null, "timezone" varchar(255) not null default 'UTC', "created_at" timestamptz not null, primary key ("id"));`,
    );

    this.addSql(
      `create table "integration" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(255) not null, "type" varchar(255) not null, "provider" varchar(255) not null, "provider_class" varchar(255) not null, "direction" varchar(255) not null, "environment" varchar(255) not null default 'PRODUCTION', "owner" varchar(255) null, "state" varchar(255) not null default 'ACTIVE', "state_reason" text null, "installed_at" timestamptz not null, "updated_at" timestamptz not null, "destination_url" text null, "destination_method" varchar(255) not null default 'POST', "credentials" jsonb null, "signing_secret" varchar(255) not null, "signature_scheme" varchar(255) not null default 'STANDARD_WEBHOOKS', "signature_header" varchar(255) null, "subscribed_event_types" text[] not null default '{}', "field_mapping" jsonb null, "service" varchar(255) null, "flow" varchar(255) null, "retry_schedule" jsonb not null, "ingest_rate_limit" int null, "consecutive_failures" int not null default 0, "consecutive_auth_failures" int not null default 0, "last_event_at" timestamptz null, "last_failure_at" timestamptz null, "last_rate_limit" jsonb null, primary key ("id"));`,
    );
    this.addSql(`create index "integration_workspace_id_name_index" on "integration" ("workspace_id", "name");`);

    this.addSql(
      `create table "integration_state_change" ("id" uuid not null, "integration_id" uuid not null, "from" varchar(255) null, "to" varchar(255) not null, "reason" text null, "actor" varchar(255) not null, "at" timestamptz not null, primary key ("id"));`,
    );
    this.addSql(`create index "integration_state_change_integration_id_at_index" on "integration_state_change" ("integration_id", "at");`);

    this.addSql(
      `create table "event" ("id" uuid not null, "workspace_id" uuid not null, "integration_id" uuid not null, "integration_type" varchar(255) not null, "event_type" varchar(255) not null, "status" varchar(255) not null default 'RECEIVED', "source" varchar(255) not null default 'SYSTEM', "source_record_id" varchar(255) null, "destination_record_id" varchar(255) null, "idempotency_key" varchar(255) null, "trace_id" varchar(255) not null, "is_test" boolean not null default false, "received_at" timestamptz not null, "updated_at" timestamptz not null, "delivered_at" timestamptz null, "attempt_count" int not null default 0, "next_attempt_at" timestamptz null, "processing_started_at" timestamptz null, "error_code" varchar(255) null, "error_message" text null, "payload" jsonb null, "payload_expired" boolean not null default false, "status_history" jsonb not null, primary key ("id"));`,
    );
    this.addSql(`create index "event_log_idx" on "event" ("workspace_id", "received_at" desc, "id" desc);`);
    this.addSql(`create index "event_integration_log_idx" on "event" ("integration_id", "received_at" desc, "id" desc);`);
    this.addSql(`create index "event_due_idx" on "event" ("next_attempt_at") where "status" in ('RECEIVED', 'RETRYING');`);
    this.addSql(`create index "event_processing_idx" on "event" ("processing_started_at") where "status" = 'PROCESSING';`);
    this.addSql(`create index "event_received_at_idx" on "event" ("received_at");`);
    this.addSql(`create index "event_trace_idx" on "event" ("workspace_id", "trace_id");`);
    this.addSql(
      `create index "event_source_record_idx" on "event" ("workspace_id", "source_record_id") where "source_record_id" is not null;`,
    );
    this.addSql(
      `create index "event_destination_record_idx" on "event" ("workspace_id", "destination_record_id") where "destination_record_id" is not null;`,
    );
    this.addSql(
      `create index "event_idempotency_search_idx" on "event" ("workspace_id", "idempotency_key") where "idempotency_key" is not null;`,
    );
    this.addSql(
      `create unique index "event_idempotency_key_unique" on "event" ("integration_id", "idempotency_key") where "idempotency_key" is not null;`,
    );

    this.addSql(
      `create table "delivery_attempt" ("id" uuid not null, "event_id" uuid not null, "workspace_id" uuid not null, "integration_id" uuid not null, "event_type" varchar(255) not null, "attempt_number" int not null, "source" varchar(255) not null default 'SYSTEM', "started_at" timestamptz not null, "duration_ms" int null, "request_method" varchar(255) not null, "request_url" text not null, "request_headers" jsonb not null, "request_body" text null, "response_status" int null, "response_headers" jsonb null, "response_body" text null, "succeeded" boolean not null, "error_code" varchar(255) null, "error_message" text null, "rate_limit" jsonb null, primary key ("id"));`,
    );
    this.addSql(`create index "delivery_attempt_event_idx" on "delivery_attempt" ("event_id", "attempt_number");`);
    this.addSql(`create index "delivery_attempt_log_idx" on "delivery_attempt" ("integration_id", "started_at" desc, "id" desc);`);
    this.addSql(`create index "delivery_attempt_started_at_idx" on "delivery_attempt" ("started_at");`);

    this.addSql(
      `create table "api_key" ("id" uuid not null, "workspace_id" uuid not null, "name" varchar(255) not null, "prefix" varchar(255) not null, "secret_hash" varchar(255) not null, "scopes" text[] not null, "created_at" timestamptz not null, "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`,
    );
    this.addSql(`alter table "api_key" add constraint "api_key_prefix_unique" unique ("prefix");`);

    this.addSql(
      `alter table "integration" add constraint "integration_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on delete cascade;`,
    );

    this.addSql(
      `alter table "integration_state_change" add constraint "integration_state_change_integration_id_foreign" foreign key ("integration_id") references "integration" ("id") on delete cascade;`,
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

    // Closed vocabularies are enforced by the database too, so no writer (raw SQL included) can store a bad value.
    this.addSql(
      `alter table "integration" add constraint "integration_type_check" check ("type" in ('INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT', 'CUSTOM_NODE', 'CUSTOM_EVENT'));`,
    );
    this.addSql(
      `alter table "integration" add constraint "integration_state_check" check ("state" in ('ACTIVE', 'PAUSED', 'ERROR', 'DISCONNECTED'));`,
    );
    this.addSql(
      `alter table "event" add constraint "event_status_check" check ("status" in ('RECEIVED', 'PROCESSING', 'DELIVERED', 'RETRYING', 'FAILED'));`,
    );
    this.addSql(
      `alter table "event_rollup" add constraint "event_rollup_status_check" check ("status" in ('RECEIVED', 'PROCESSING', 'DELIVERED', 'RETRYING', 'FAILED'));`,
    );
    this.addSql(`alter table "event_rollup" add constraint "event_rollup_count_check" check ("count" >= 0);`);

    this.addSql(
      `alter table "api_key" add constraint "api_key_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on delete cascade;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "integration" drop constraint "integration_workspace_id_foreign";`);
    this.addSql(`alter table "event" drop constraint "event_workspace_id_foreign";`);
    this.addSql(`alter table "api_key" drop constraint "api_key_workspace_id_foreign";`);
    this.addSql(`alter table "integration_state_change" drop constraint "integration_state_change_integration_id_foreign";`);
    this.addSql(`alter table "event" drop constraint "event_integration_id_foreign";`);
    this.addSql(`alter table "delivery_attempt" drop constraint "delivery_attempt_event_id_foreign";`);

    this.addSql(`drop table if exists "event_rollup" cascade;`);
    this.addSql(`drop table if exists "workspace" cascade;`);
    this.addSql(`drop table if exists "integration" cascade;`);
    this.addSql(`drop table if exists "integration_state_change" cascade;`);
    this.addSql(`drop table if exists "event" cascade;`);
    this.addSql(`drop table if exists "delivery_attempt" cascade;`);
    this.addSql(`drop table if exists "api_key" cascade;`);
  }
}
