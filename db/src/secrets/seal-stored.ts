// Brings every stored credential and signing secret under the current key: values stored in clear
// (before sealing existed, or written by a bulk tool) and values sealed with an older key (after a
// rotation). Runs at start; idempotent; each row is updated only when its text changes.
import type { EntityManager } from '@mikro-orm/postgresql';
import { queryRows } from '../raw-sql.ts';
import { type SecretBox, secretBoxFor } from './secret-box.ts';

/** Re-seals what is not sealed with the current key; returns how many integrations changed. */
export async function sealStoredSecrets(em: EntityManager, box: SecretBox = secretBoxFor(em.config)): Promise<number> {
  const current = box.currentKeyId;
  if (!current) return 0;
  const prefix = `sb1:${current}:`;
  let changed = 0;
  for (;;) {
    const rows = await queryRows<{
      id: string;
      credentials: string | null;
      signing_secret: string;
      previous_signing_secret: string | null;
    }>(
      em,
      `select id, credentials, signing_secret, previous_signing_secret from integration
       where left(signing_secret, $1) <> $2 or (credentials is not null and left(credentials, $1) <> $2)
          or (previous_signing_secret is not null and left(previous_signing_secret, $1) <> $2)
       order by id limit 500`,
      [prefix.length, prefix],
    );
    if (rows.length === 0) return changed;
    for (const r of rows) {
      const reseal = (v: string) => (box.isCurrent(v) ? v : box.seal(box.open(v)));
      await queryRows(em, 'update integration set credentials = $2, signing_secret = $3, previous_signing_secret = $4 where id = $1', [
        r.id,
        r.credentials === null ? null : reseal(r.credentials),
        reseal(r.signing_secret),
        r.previous_signing_secret === null ? null : reseal(r.previous_signing_secret),
      ]);
    }
    changed += rows.length;
  }
}

/** Opens a sealed column read with raw SQL. */
export function openSecret(em: EntityManager, value: string): string {
  return secretBoxFor(em.config).open(value);
}

export function openSecretJson(em: EntityManager, value: string | null): Record<string, unknown> | null {
  if (value === null) return null;
  return JSON.parse(openSecret(em, value)) as Record<string, unknown>;
}
