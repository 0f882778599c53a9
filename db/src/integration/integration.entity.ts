import { randomBytes } from 'node:crypto';
import { type Collection, defineEntity, p } from '@mikro-orm/core';
import {
  DEFAULT_RETRY_SCHEDULE,
  type Direction,
  type Environment,
  type IntegrationState,
  type IntegrationType,
  type ProviderClass,
  type SignatureScheme,
} from '../domain.ts';
import { newId } from '../ids.ts';
import { SealedJsonType, SealedStringType } from '../secrets/sealed-types.ts';
import { Workspace } from '../workspace/workspace.entity.ts';
import { type IntegrationAction, nextIntegrationState } from './integration-state.ts';

export type RatePeriod = 'SECOND' | 'MINUTE';
export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface RateLimitSnapshot {
  max: number | null;
  remaining: number | null;
  dailyLimit: number | null;
  dailyRemaining: number | null;
  retryAfterSeconds: number | null;
  observedAt: string;
}

const IntegrationStateChangeSchema = defineEntity({
  name: 'IntegrationStateChange',
  tableName: 'integration_state_change',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => newId()),
    integration: () => p.manyToOne(Integration).deleteRule('cascade'),
    from: p.string().nullable(),
    to: p.string(),
    reason: p.text().nullable(),
    /** API key name, or "system". */
    actor: p.string(),
    at: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['integration', 'at'] }],
});
export class IntegrationStateChange extends IntegrationStateChangeSchema.class {}
IntegrationStateChangeSchema.setClass(IntegrationStateChange);

const IntegrationSchema = defineEntity({
  name: 'Integration',
  tableName: 'integration',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => newId()),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string(),
    type: p.string().$type<IntegrationType>(),
    provider: p.string(),
    providerClass: p.string().$type<ProviderClass>(),
    direction: p.string().$type<Direction>(),
    environment: p.string().$type<Environment>().default('PRODUCTION'),
    owner: p.string().nullable(),
    state: p.string().$type<IntegrationState>().default('ACTIVE'),
    stateReason: p.text().nullable(),
    installedAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    destinationUrl: p.text().nullable(),
    destinationMethod: p.string().default('POST'),
    /** Write-only: never serialised, never returned by any API. */
    credentials: p.type(SealedJsonType).$type<Record<string, unknown> | null>().nullable().hidden().lazy(),
    /** Verifies inbound requests or signs outbound ones (`whsec_<base64>`). Never returned except once, on create/rotate. */
    signingSecret: p.type(SealedStringType).$type<string>().hidden(),
    /** The secret a rotation replaced, still valid until `previousSecretExpiresAt` (sealed, never returned). */
    previousSigningSecret: p.type(SealedStringType).$type<string | null>().nullable().hidden(),
    previousSecretExpiresAt: p.datetime().nullable(),
    signatureScheme: p.string().$type<SignatureScheme>().default('STANDARD_WEBHOOKS'),
    /** Header carrying the signature for the HMAC_SHA256_HEX scheme. */
    signatureHeader: p.string().nullable(),
    subscribedEventTypes: p.array<string>().default([]),
    fieldMapping: p.json<Record<string, unknown>>().nullable(),
    service: p.string().nullable(),
    flow: p.string().nullable(),
    retrySchedule: p.json<number[]>(),
    /** Requests per second accepted on ingest for this integration (null: no per-integration limit). */
    ingestRateLimit: p.integer().nullable(),
    /** Requests per `deliveryRatePeriod` sent to the destination (null: no static limit), paced evenly across every worker. */
    deliveryRateLimit: p.integer().nullable(),
    deliveryRatePeriod: p.string().$type<RatePeriod>().default('SECOND'),
    /** The destination said its quota is spent: no worker claims this integration's events before then. */
    throttledUntil: p.datetime().nullable(),
    /** The static limit's next free send slot (GCRA's theoretical arrival time). */
    rateTat: p.datetime().nullable().hidden(),
    /** Deliveries of this integration in flight at once, per worker process (null: the worker's default share). */
    maxInFlight: p.integer().nullable(),
    /** Circuit breaker: OPEN holds deliveries while the destination is down; one probe at a time (HALF_OPEN) tests it. */
    circuit: p.string().$type<CircuitState>().default('CLOSED'),
    circuitOpenedAt: p.datetime().nullable(),
    /** When the next probe may be sent (OPEN), and how many have failed since it opened (the backoff's exponent). */
    circuitProbeAt: p.datetime().nullable().hidden(),
    circuitProbes: p.integer().default(0).hidden(),
    /** Start of the current run of network/5xx failures with no success (null after a success). */
    failingSince: p.datetime().nullable().hidden(),
    consecutiveFailures: p.integer().default(0),
    consecutiveAuthFailures: p.integer().default(0),
    lastEventAt: p.datetime().nullable(),
    lastFailureAt: p.datetime().nullable(),
    lastRateLimit: p.json<RateLimitSnapshot>().nullable(),
    stateChanges: () => p.oneToMany(IntegrationStateChange).mappedBy('integration').orderBy({ at: 'asc' }),
  },
  indexes: [{ properties: ['workspace', 'name'] }],
});

export class Integration extends IntegrationSchema.class {
  declare stateChanges: Collection<IntegrationStateChange>;

  /**
   * Applies a lifecycle action through the state machine and records who did it and why.
   * Throws InvalidTransitionError (naming both states) and changes nothing when the action is not allowed.
   */
  transition(action: IntegrationAction, actor: string, reason: string | null = null, at = new Date()): IntegrationStateChange {
    const from = this.state;
    const to = nextIntegrationState(action, from, `integration "${this.name}"`);
    this.state = to;
    this.stateReason = reason;
    this.updatedAt = at;
    if (to === 'ACTIVE') {
      this.consecutiveAuthFailures = 0;
      this.consecutiveFailures = 0;
    }
    const change = new IntegrationStateChange();
    Object.assign(change, { id: newId(), integration: this, from, to, reason, actor, at });
    this.stateChanges.add(change);
    return change;
  }

  /** A reconnect whose test call failed: the state stays where it was; the reason says why. */
  recordFailedReconnect(actor: string, reason: string, at = new Date()): IntegrationStateChange {
    const change = new IntegrationStateChange();
    Object.assign(change, { id: newId(), integration: this, from: this.state, to: this.state, reason, actor, at });
    this.stateReason = reason;
    this.updatedAt = at;
    this.stateChanges.add(change);
    return change;
  }

  /** Whether the worker may send this integration's events now (held otherwise, never failed). */
  deliversNow(): boolean {
    return this.state === 'ACTIVE';
  }

  /** Whether ingest/publish still accepts events for it. */
  acceptsEvents(): boolean {
    return this.state !== 'DISCONNECTED';
  }
}
IntegrationSchema.setClass(Integration);
export { IntegrationSchema, IntegrationStateChangeSchema };

export function generateSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function defaultRetrySchedule(): number[] {
  return [...DEFAULT_RETRY_SCHEDULE];
}
