// The integration fields the pipeline reads on its hot paths (ingest, publish fan-out, delivery),
// read with one raw statement each instead of hydrating entities.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { IntegrationState, IntegrationType, SignatureScheme } from '../domain.ts';
import type { RatePeriod } from '../integration/integration.entity.ts';
import { queryRows } from '../raw-sql.ts';
import { openSecret, openSecretJson } from '../secrets/seal-stored.ts';

// The previous secret only while its grace window lasts; an expired one is never even read.
const PREVIOUS_SECRET_COLUMNS = `case when previous_secret_expires_at > now() then previous_signing_secret end as "previousSigningSecret",
            case when previous_secret_expires_at > now() then (extract(epoch from previous_secret_expires_at) * 1000)::float8 end as "previousSecretExpiresAt"`;

function openSecrets(
  em: EntityManager,
  r: { signingSecret: string; previousSigningSecret: string | null },
): { signingSecret: string; previousSigningSecret: string | null } {
  return {
    signingSecret: openSecret(em, r.signingSecret),
    previousSigningSecret: r.previousSigningSecret === null ? null : openSecret(em, r.previousSigningSecret),
  };
}

export interface IngestTarget {
  id: string;
  workspaceId: string;
  type: IntegrationType;
  state: IntegrationState;
  signingSecret: string;
  /** The secret a rotation replaced, while its grace window lasts (null otherwise). */
  previousSigningSecret: string | null;
  /** Until when `previousSigningSecret` verifies (ms epoch); a cached target checks it at use. */
  previousSecretExpiresAt: number | null;
  signatureScheme: SignatureScheme;
  signatureHeader: string | null;
  ingestRateLimit: number | null;
}

/** What ingest needs to accept a webhook for one integration; null when there is none. */
export async function findIngestTarget(em: EntityManager, integrationId: string): Promise<IngestTarget | null> {
  const rows = await queryRows<IngestTarget>(
    em,
    `select id, workspace_id as "workspaceId", type, state, signing_secret as "signingSecret", signature_scheme as "signatureScheme",
            signature_header as "signatureHeader", ingest_rate_limit as "ingestRateLimit",
            ${PREVIOUS_SECRET_COLUMNS}
     from integration where id = $1`,
    [integrationId],
  );
  const row = rows[0];
  return row ? { ...row, ...openSecrets(em, row) } : null;
}

/**
 * A workspace's outbound integrations that take `eventType` (an empty subscription list takes all of
 * the workspace's own types, not Switchboard's `switchboard.*` notifications), not disconnected.
 */
export async function findFanOutTargets(
  em: EntityManager,
  workspaceId: string,
  eventType: string,
): Promise<Array<{ id: string; type: IntegrationType }>> {
  return queryRows(
    em,
    `select id, type from integration
     where workspace_id = $1 and type <> 'INBOUND_WEBHOOK' and state <> 'DISCONNECTED'
       and ((cardinality(subscribed_event_types) = 0 and $2 not like 'switchboard.%') or $2 = any(subscribed_event_types))
     order by installed_at, id`,
    [workspaceId, eventType],
  );
}

export interface DeliveryTarget {
  id: string;
  workspaceId: string;
  name: string;
  type: IntegrationType;
  state: IntegrationState;
  destinationUrl: string | null;
  destinationMethod: string;
  credentials: Record<string, unknown> | null;
  signingSecret: string;
  /** The secret a rotation replaced, while its grace window lasts: outbound requests carry its signature too. */
  previousSigningSecret: string | null;
  previousSecretExpiresAt: number | null;
  fieldMapping: Record<string, unknown> | null;
  retrySchedule: number[] | null;
  /** Static limit: requests per period (null: none). */
  deliveryRateLimit: number | null;
  deliveryRatePeriod: RatePeriod;
}

/** Everything the worker needs to send events of these integrations. */
export async function findDeliveryTargets(em: EntityManager, integrationIds: readonly string[]): Promise<DeliveryTarget[]> {
  if (integrationIds.length === 0) return [];
  const rows = await queryRows<Omit<DeliveryTarget, 'credentials'> & { credentials: string | null }>(
    em,
    `select id, workspace_id as "workspaceId", name, type, state, destination_url as "destinationUrl",
            destination_method as "destinationMethod", credentials, signing_secret as "signingSecret",
            field_mapping as "fieldMapping", retry_schedule as "retrySchedule",
            delivery_rate_limit as "deliveryRateLimit", delivery_rate_period as "deliveryRatePeriod",
            ${PREVIOUS_SECRET_COLUMNS}
     from integration where id = any($1::uuid[])`,
    [integrationIds],
  );
  return rows.map((r) => ({ ...r, ...openSecrets(em, r), credentials: openSecretJson(em, r.credentials) }));
}

/** Records that these integrations received events (at most `at`); never moves the time backwards. */
export async function touchLastEventAt(em: EntityManager, integrationIds: readonly string[], at: Date): Promise<void> {
  if (integrationIds.length === 0) return;
  await queryRows(
    em,
    `update integration set last_event_at = $2::timestamptz
     where id = any($1::uuid[]) and (last_event_at is null or last_event_at < $2::timestamptz)`,
    [[...integrationIds].sort(), at.toISOString()],
  );
}
