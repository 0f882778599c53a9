import { Migration } from '@mikro-orm/migrations';

// A second hourly rollup without the error-code dimension (hour × integration × status), for the trends,
// overview and health: at 10 M events the trends read ~65,000 rows of event_rollup, a fifth of that
// here. Built from event_rollup (which holds every hour still counted, even past event retention), with
// writers kept out meanwhile so the two start equal; from here on the pipeline moves both in the same
// statements (db/src/rollup/rollup-rule.ts).
export class Migration20261201150000_status_rollup extends Migration {
  override name = 'Migration20261201150000_status_rollup';

  override up(): void | Promise<void> {
    this.addSql(
      `create table "event_status_rollup" ("workspace_id" uuid not null, "hour" timestamptz not null, "integration_id" uuid not null, "status" varchar(255) not null, "integration_type" varchar(255) not null, "count" int not null default 0, primary key ("workspace_id", "hour", "integration_id", "status"));`,
    );
    this.addSql(
      `alter table "event_status_rollup" add constraint "event_status_rollup_status_check" check ("status" in ('RECEIVED', 'PROCESSING', 'DELIVERED', 'RETRYING', 'FAILED'));`,
    );
    this.addSql(`alter table "event_status_rollup" add constraint "event_status_rollup_count_check" check ("count" >= 0);`);
    this.addSql(`lock table "event_rollup" in share row exclusive mode;`);
    this.addSql(
      `insert into "event_status_rollup" ("workspace_id", "hour", "integration_id", "status", "integration_type", "count")
       select "workspace_id", "hour", "integration_id", "status", min("integration_type"), sum("count")::int
       from "event_rollup" group by 1, 2, 3, 4 having sum("count") > 0;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "event_status_rollup" cascade;`);
  }
}
