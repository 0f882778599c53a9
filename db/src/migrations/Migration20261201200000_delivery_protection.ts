import { Migration } from '@mikro-orm/migrations';

// Delivery protection (DESIGN.md): the previous signing secret stays valid for a grace window after a
// rotation (sealed like the current one).
export class Migration20261201200000_delivery_protection extends Migration {
  override name = 'Migration20261201200000_delivery_protection';

  override up(): void | Promise<void> {
    this.addSql(
      `alter table "integration" add column "previous_signing_secret" text null, add column "previous_secret_expires_at" timestamptz null;`,
    );
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "integration" drop column "previous_signing_secret", drop column "previous_secret_expires_at";`);
  }
}
