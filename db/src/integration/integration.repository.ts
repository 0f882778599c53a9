// Integrations of one workspace: lookups (always confined to the workspace), keyset listing,
// creation and updates with validation that names the bad field.
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { directionOf, type Environment, type IntegrationState, type IntegrationType, OUTBOUND_TYPES, providerClassOf } from '../domain.ts';
import { BadInputError, NotFoundError } from '../errors.ts';
import { Workspace } from '../workspace/workspace.entity.ts';
import { defaultRetrySchedule, generateSigningSecret, Integration, type RatePeriod } from './integration.entity.ts';

export const MAX_RETRY_SCHEDULE_ENTRIES = 20;
const HTTP_METHODS = ['POST', 'PUT', 'PATCH', 'GET', 'DELETE'];

/** The integration with this row id in this workspace, or null (a foreign id looks exactly like a missing one). */
export function findIntegration(em: EntityManager, workspaceId: string, id: string): Promise<Integration | null> {
  return em.findOne(Integration, { id, workspace: workspaceId });
}

export async function getIntegration(em: EntityManager, workspaceId: string, id: string | null, publicId: string): Promise<Integration> {
  const found = id ? await findIntegration(em, workspaceId, id) : null;
  if (!found) throw new NotFoundError('Integration', publicId);
  return found;
}

/** Several integrations by row id, confined to the workspace (for DataLoaders). */
export function findIntegrationsByIds(em: EntityManager, workspaceId: string, ids: readonly string[]): Promise<Integration[]> {
  return em.find(Integration, { id: { $in: [...ids] }, workspace: workspaceId });
}

export interface IntegrationFilter {
  types?: readonly IntegrationType[] | null;
  states?: readonly IntegrationState[] | null;
  provider?: string | null;
  environment?: Environment | null;
  search?: string | null;
}

/** Keyset position in the name-ordered list. */
export interface IntegrationKeyset {
  name: string;
  id: string;
}

function filterWhere(workspaceId: string, f: IntegrationFilter = {}): FilterQuery<Integration> {
  const where: Record<string, unknown> = { workspace: workspaceId };
  if (f.types?.length) where.type = { $in: [...f.types] };
  if (f.states?.length) where.state = { $in: [...f.states] };
  if (f.provider) where.provider = f.provider.toLowerCase();
  if (f.environment) where.environment = f.environment;
  if (f.search?.trim()) where.name = { $ilike: `%${f.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` };
  return where as FilterQuery<Integration>;
}

/** One page ordered by name then id; `first + 1` rows are read to know whether another page follows. */
export async function listIntegrations(
  em: EntityManager,
  workspaceId: string,
  filter: IntegrationFilter | null | undefined,
  first: number,
  after: IntegrationKeyset | null,
): Promise<{ items: Integration[]; hasNextPage: boolean }> {
  const where = filterWhere(workspaceId, filter ?? {});
  const page = after ? { $and: [where, { $or: [{ name: { $gt: after.name } }, { name: after.name, id: { $gt: after.id } }] }] } : where;
  const rows = await em.find(Integration, page as FilterQuery<Integration>, { orderBy: { name: 'asc', id: 'asc' }, limit: first + 1 });
  return { items: rows.slice(0, first), hasNextPage: rows.length > first };
}

export function countIntegrations(em: EntityManager, workspaceId: string, filter: IntegrationFilter | null | undefined): Promise<number> {
  return em.count(Integration, filterWhere(workspaceId, filter ?? {}));
}

export interface CreateIntegrationInput {
  name: string;
  type: IntegrationType;
  provider: string;
  environment?: Environment | null;
  owner?: string | null;
  destinationUrl?: string | null;
  destinationMethod?: string | null;
  credentials?: unknown;
  subscribedEventTypes?: readonly string[] | null;
  fieldMapping?: unknown;
  service?: string | null;
  flow?: string | null;
  retrySchedule?: readonly number[] | null;
  /** Static limit: requests per `deliveryRatePeriod` (null: none). */
  deliveryRateLimit?: number | null;
  deliveryRatePeriod?: RatePeriod | null;
  /** Deliveries in flight at once per worker process (null: the worker's default share). */
  maxInFlight?: number | null;
}

export type UpdateIntegrationInput = { name?: string | null } & Partial<
  Pick<
    CreateIntegrationInput,
    | 'owner'
    | 'destinationUrl'
    | 'credentials'
    | 'subscribedEventTypes'
    | 'fieldMapping'
    | 'service'
    | 'flow'
    | 'retrySchedule'
    | 'deliveryRateLimit'
    | 'deliveryRatePeriod'
    | 'maxInFlight'
  >
>;

function requiredText(value: string | null | undefined, field: string, max = 200): string {
  const v = value?.trim() ?? '';
  if (!v) throw new BadInputError(`${field} must not be empty`, { field });
  if (v.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, { field });
  return v;
}

function optionalText(value: string | null | undefined, field: string, max = 200): string | null {
  if (value == null) return null;
  const v = value.trim();
  if (v.length > max) throw new BadInputError(`${field} must be at most ${max} characters`, { field });
  return v || null;
}

export function validateDestinationUrl(value: string, field = 'destinationUrl'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new BadInputError(`${field} must be an absolute http:// or https:// URL (got "${value}")`, { field });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadInputError(`${field} must use http or https (got "${url.protocol.replace(':', '')}")`, { field });
  }
  return url.toString();
}

export function validateRetrySchedule(value: readonly number[]): number[] {
  if (value.length === 0) throw new BadInputError('retrySchedule must have at least one entry', { field: 'retrySchedule' });
  if (value.length > MAX_RETRY_SCHEDULE_ENTRIES) {
    throw new BadInputError(`retrySchedule may have at most ${MAX_RETRY_SCHEDULE_ENTRIES} entries (got ${value.length})`, {
      field: 'retrySchedule',
    });
  }
  for (const s of value) {
    if (!Number.isInteger(s) || s < 0) {
      throw new BadInputError(`retrySchedule entries must be whole, non-negative numbers of seconds (got ${s})`, {
        field: 'retrySchedule',
      });
    }
  }
  return [...value];
}

function jsonObject(value: unknown, field: string): Record<string, unknown> | null {
  if (value == null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadInputError(`${field} must be a JSON object`, { field });
  return value as Record<string, unknown>;
}

function eventTypes(value: readonly string[] | null | undefined): string[] {
  const out = [...new Set((value ?? []).map((t) => t.trim()))];
  if (out.some((t) => !t)) throw new BadInputError('subscribedEventTypes must not contain empty names', { field: 'subscribedEventTypes' });
  return out;
}

function needsDestination(type: IntegrationType): boolean {
  return OUTBOUND_TYPES.includes(type);
}

/** A new integration with a fresh signing secret (returned once by the caller). Does not flush. */
export function createIntegration(em: EntityManager, workspaceId: string, input: CreateIntegrationInput): Integration {
  const name = requiredText(input.name, 'name');
  const provider = requiredText(input.provider, 'provider', 100).toLowerCase();
  let destinationUrl: string | null = null;
  if (input.destinationUrl != null && input.destinationUrl.trim() !== '') destinationUrl = validateDestinationUrl(input.destinationUrl);
  else if (needsDestination(input.type)) {
    throw new BadInputError(`destinationUrl is required for ${input.type} integrations`, { field: 'destinationUrl' });
  }
  const method = (input.destinationMethod ?? 'POST').trim().toUpperCase();
  if (!HTTP_METHODS.includes(method)) {
    throw new BadInputError(`destinationMethod must be one of ${HTTP_METHODS.join(', ')} (got "${input.destinationMethod}")`, {
      field: 'destinationMethod',
    });
  }
  return em.create(Integration, {
    workspace: em.getReference(Workspace, workspaceId),
    name,
    type: input.type,
    provider,
    providerClass: providerClassOf(provider),
    direction: directionOf(input.type),
    environment: input.environment ?? 'PRODUCTION',
    owner: optionalText(input.owner, 'owner'),
    state: 'ACTIVE',
    destinationUrl,
    destinationMethod: method,
    credentials: jsonObject(input.credentials, 'credentials'),
    signingSecret: generateSigningSecret(),
    subscribedEventTypes: eventTypes(input.subscribedEventTypes),
    fieldMapping: jsonObject(input.fieldMapping, 'fieldMapping'),
    service: optionalText(input.service, 'service'),
    flow: optionalText(input.flow, 'flow'),
    retrySchedule: input.retrySchedule ? validateRetrySchedule(input.retrySchedule) : defaultRetrySchedule(),
    deliveryRateLimit: optionalLimit(input.deliveryRateLimit, 'deliveryRateLimit', MAX_DELIVERY_RATE_LIMIT),
    deliveryRatePeriod: input.deliveryRatePeriod ?? 'SECOND',
    maxInFlight: optionalLimit(input.maxInFlight, 'maxInFlight', MAX_IN_FLIGHT),
  } as never);
}

/** Applies the fields present in `input` (undefined: unchanged; null clears an optional field). Does not flush. */
export async function updateIntegration(em: EntityManager, integration: Integration, input: UpdateIntegrationInput): Promise<Integration> {
  if (input.name !== undefined) integration.name = requiredText(input.name, 'name');
  if (input.owner !== undefined) integration.owner = optionalText(input.owner, 'owner');
  if (input.destinationUrl !== undefined) {
    if (input.destinationUrl == null || input.destinationUrl.trim() === '') {
      if (needsDestination(integration.type)) {
        throw new BadInputError(`destinationUrl is required for ${integration.type} integrations`, { field: 'destinationUrl' });
      }
      integration.destinationUrl = null;
    } else integration.destinationUrl = validateDestinationUrl(input.destinationUrl);
  }
  if (input.credentials !== undefined) {
    const credentials = jsonObject(input.credentials, 'credentials');
    // Credentials are lazy (never loaded for reads): load before assigning so the change is tracked.
    await em.populate(integration, ['credentials'] as never);
    integration.credentials = credentials;
  }
  if (input.subscribedEventTypes !== undefined) integration.subscribedEventTypes = eventTypes(input.subscribedEventTypes);
  if (input.fieldMapping !== undefined) integration.fieldMapping = jsonObject(input.fieldMapping, 'fieldMapping');
  if (input.service !== undefined) integration.service = optionalText(input.service, 'service');
  if (input.flow !== undefined) integration.flow = optionalText(input.flow, 'flow');
  if (input.retrySchedule !== undefined) {
    integration.retrySchedule = input.retrySchedule == null ? defaultRetrySchedule() : validateRetrySchedule(input.retrySchedule);
  }
  if (input.deliveryRateLimit !== undefined) {
    integration.deliveryRateLimit = optionalLimit(input.deliveryRateLimit, 'deliveryRateLimit', MAX_DELIVERY_RATE_LIMIT);
  }
  if (input.deliveryRatePeriod != null) integration.deliveryRatePeriod = input.deliveryRatePeriod;
  if (input.maxInFlight !== undefined) integration.maxInFlight = optionalLimit(input.maxInFlight, 'maxInFlight', MAX_IN_FLIGHT);
  integration.updatedAt = new Date();
  return integration;
}

export const MAX_DELIVERY_RATE_LIMIT = 10_000;
export const MAX_IN_FLIGHT = 10_000;

function optionalLimit(value: number | null | undefined, field: string, max: number): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BadInputError(`${field} must be a whole number from 1 to ${max}, or null for none (got ${value})`, { field });
  }
  return value;
}

/** How long the replaced secret keeps verifying after a rotation, by default (DESIGN.md: 24 h). */
export const DEFAULT_SECRET_GRACE_SECONDS = 24 * 60 * 60;
/** The longest grace window a rotation may ask for (30 days). */
export const MAX_SECRET_GRACE_SECONDS = 30 * 24 * 60 * 60;

/**
 * A new signing secret; the replaced one stays valid for `graceSeconds` (inbound verification accepts
 * either, outbound requests carry both signatures), 0 ending it at once. Returns the new secret (shown
 * once). Does not flush.
 */
export function rotateSigningSecret(integration: Integration, graceSeconds = DEFAULT_SECRET_GRACE_SECONDS, now = new Date()): string {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_SECRET_GRACE_SECONDS) {
    throw new BadInputError(`graceSeconds must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE_SECONDS} (30 days)`, {
      field: 'graceSeconds',
    });
  }
  if (graceSeconds > 0) {
    integration.previousSigningSecret = integration.signingSecret;
    integration.previousSecretExpiresAt = new Date(now.getTime() + graceSeconds * 1000);
  } else endSecretGrace(integration, now);
  integration.signingSecret = generateSigningSecret();
  integration.updatedAt = now;
  return integration.signingSecret;
}

/** Ends a rotation's grace window at once: only the current secret verifies from now on. Does not flush. */
export function endSecretGrace(integration: Integration, now = new Date()): void {
  integration.previousSigningSecret = null;
  integration.previousSecretExpiresAt = null;
  integration.updatedAt = now;
}

/** The previous secret while its grace window lasts, else null. */
export function previousSecretInGrace(integration: Integration, now = new Date()): string | null {
  const until = integration.previousSecretExpiresAt;
  return integration.previousSigningSecret && until && until.getTime() > now.getTime() ? integration.previousSigningSecret : null;
}

/** The stored credentials (write-only to the API; the pipeline's test call needs them). */
export async function loadCredentials(em: EntityManager, integration: Integration): Promise<Record<string, unknown> | null> {
  await em.populate(integration, ['credentials'] as never);
  return integration.credentials ?? null;
}
