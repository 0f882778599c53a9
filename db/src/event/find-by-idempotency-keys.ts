// A read beside insert: the events already stored under some (integration, idempotency key) pairs.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventStatus } from '../domain.ts';
import { queryRows } from '../raw-sql.ts';

export interface ExistingEventRef {
  id: string;
  integrationId: string;
  idempotencyKey: string;
  status: EventStatus;
}

export async function findEventsByIdempotencyKeys(
  em: EntityManager,
  pairs: ReadonlyArray<{ integrationId: string; idempotencyKey: string }>,
): Promise<ExistingEventRef[]> {
  if (pairs.length === 0) return [];
  return queryRows(
    em,
    `select e.id, e.integration_id as "integrationId", e.idempotency_key as "idempotencyKey", e.status
     from unnest($1::uuid[], $2::text[]) as k(integration_id, idempotency_key)
     join event_idempotency ik on ik.integration_id = k.integration_id and ik.idempotency_key = k.idempotency_key
     join event e on e.id = ik.event_id and e.received_at = ik.received_at`,
    [pairs.map((p) => p.integrationId), pairs.map((p) => p.idempotencyKey)],
  );
}
