import { Migration } from '@mikro-orm/migrations';

// Incidents opened by the detectors (DESIGN.md "Insight"). The partial unique index is what keeps
// several server processes from opening the same incident twice: each one upserts on it, so the
// second writer updates the row the first one inserted. Per-workspace detector settings live on the
// workspace (null: the defaults).
export class Migration20261201130000_incidents extends Migration {
  override name = 'Migration20261201130000_incidents';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "incident" ("id" uuid not null, "workspace_id" uuid not null, "kind" varchar(255) not null, "state" varchar(255) not null, "severity" varchar(255) not null, "subject" text not null, "error_code" varchar(255) not null default '', "integration_id" uuid null, "integration_ids" uuid[] not null default '{}', "title" text not null, "summary" text not null, "likely_cause" text null, "opened_at" timestamptz not null, "last_seen_at" timestamptz not null, "resolved_at" timestamptz null, "muted_until" timestamptz null, "event_count" int not null default 0, "sample_event_ids" uuid[] not null default '{}', "evidence_at" timestamptz null, "history" jsonb not null, primary key ("id"));`,
    );
    this.addSql(
      `alter table "incident" add constraint "incident_workspace_id_foreign" foreign key ("workspace_id") references "workspace" ("id") on delete cascade;`,
    );
    this.addSql(
      `create unique index "incident_open_key" on "incident" ("workspace_id", "subject", "kind", "error_code") where "state" <> 'RESOLVED';`,
    );
    this.addSql(`create index "incident_list_idx" on "incident" ("workspace_id", "opened_at" desc, "id" desc);`);
    this.addSql(`create index "incident_resolved_at_idx" on "incident" ("resolved_at") where "resolved_at" is not null;`);
    this.addSql(
      `alter table "incident" add constraint "incident_kind_check" check ("kind" in ('FAILURE_SPIKE', 'ALL_FAILING', 'CONSECUTIVE_FAILURES', 'STUCK_PROCESSING', 'RECURRING_DAILY', 'RATE_LIMIT_HEADROOM', 'SILENCE', 'DESTINATION_DOWN'));`,
    );
    this.addSql(
      `alter table "incident" add constraint "incident_state_check" check ("state" in ('OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'MUTED'));`,
    );
    this.addSql(`alter table "incident" add constraint "incident_severity_check" check ("severity" in ('WARNING', 'CRITICAL'));`);
    this.addSql(`alter table "workspace" add column "insight_settings" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "workspace" drop column "insight_settings";`);
    this.addSql(`drop table if exists "incident" cascade;`);
  }
}
