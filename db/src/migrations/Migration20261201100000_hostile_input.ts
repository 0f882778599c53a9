import { Migration } from '@mikro-orm/migrations';

// A destination may answer bytes that are not text: they are stored base64-encoded, and the attempt
// says so. Credentials and signing secrets are stored sealed (AES-256-GCM, see db/src/secrets/):
// their columns become text; rows written before this migration are sealed by the server at start.
export class Migration20261201100000_hostile_input extends Migration {
  override name = 'Migration20261201100000_hostile_input';

  override up(): void | Promise<void> {
    this.addSql(`alter table "delivery_attempt" add column "response_body_encoding" varchar(16) null;`);
    this.addSql(`alter table "integration" alter column "credentials" type text using "credentials"::text;`);
    this.addSql(`alter table "integration" alter column "signing_secret" type text;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "delivery_attempt" drop column "response_body_encoding";`);
  }
}
