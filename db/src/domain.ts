// The domain's closed vocabularies. Plain const arrays (no TS enums: the code runs with type stripping).

export const INTEGRATION_TYPES = ['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT', 'CUSTOM_NODE', 'CUSTOM_EVENT'] as const;
export type IntegrationType = (typeof INTEGRATION_TYPES)[number];

export const INTEGRATION_STATES = ['ACTIVE', 'PAUSED', 'ERROR', 'DISCONNECTED'] as const;
export type IntegrationState = (typeof INTEGRATION_STATES)[number];

export const PROVIDER_CLASSES = ['PAYMENTS', 'CRM', 'ECOMMERCE', 'CHAT', 'OTHER'] as const;
export type ProviderClass = (typeof PROVIDER_CLASSES)[number];

export const DIRECTIONS = ['INBOUND', 'OUTBOUND'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const ENVIRONMENTS = ['TEST', 'PRODUCTION'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export const EVENT_STATUSES = ['RECEIVED', 'PROCESSING', 'DELIVERED', 'RETRYING', 'FAILED'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const TRIGGER_SOURCES = ['USER', 'SYSTEM'] as const;
export type TriggerSource = (typeof TRIGGER_SOURCES)[number];

export const API_SCOPES = ['READ', 'INGEST', 'ADMIN'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const ERROR_CATEGORIES = ['CLIENT', 'AUTH', 'RATE_LIMIT', 'SERVER', 'NETWORK', 'PLATFORM'] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** What the detectors notice (DESIGN.md "Insight"). */
export const INCIDENT_KINDS = [
  'FAILURE_SPIKE',
  'ALL_FAILING',
  'CONSECUTIVE_FAILURES',
  'STUCK_PROCESSING',
  'RECURRING_DAILY',
  'RATE_LIMIT_HEADROOM',
  'SILENCE',
  'DESTINATION_DOWN',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export const INCIDENT_STATES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'MUTED'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

export const INCIDENT_SEVERITIES = ['WARNING', 'CRITICAL'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** Signature schemes an INBOUND_WEBHOOK integration may verify with (Standard Webhooks by default). */
export const SIGNATURE_SCHEMES = ['STANDARD_WEBHOOKS', 'HMAC_SHA256_HEX', 'STRIPE', 'GITHUB'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/** Known providers and the class each belongs to; anything else is OTHER. */
export const PROVIDERS: Readonly<Record<string, ProviderClass>> = {
  hubspot: 'CRM',
  salesforce: 'CRM',
  gohighlevel: 'CRM',
  pipedrive: 'CRM',
  stripe: 'PAYMENTS',
  paypal: 'PAYMENTS',
  chargebee: 'PAYMENTS',
  shopify: 'ECOMMERCE',
  woocommerce: 'ECOMMERCE',
  bigcommerce: 'ECOMMERCE',
  slack: 'CHAT',
  intercom: 'CHAT',
  zapier: 'CHAT',
  generic: 'OTHER',
};

export function providerClassOf(provider: string): ProviderClass {
  return PROVIDERS[provider.toLowerCase()] ?? 'OTHER';
}

export function directionOf(type: IntegrationType): Direction {
  return type === 'INBOUND_WEBHOOK' ? 'INBOUND' : 'OUTBOUND';
}

/** Outbound types: the ones `POST /v1/events` fans out to. */
export const OUTBOUND_TYPES: readonly IntegrationType[] = INTEGRATION_TYPES.filter((t) => t !== 'INBOUND_WEBHOOK');

/** Seconds between attempts (DESIGN.md): immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — then FAILED. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [0, 5, 300, 1800, 7200, 18000, 36000, 36000];

/** Consecutive 401/403 responses that move an ACTIVE integration to ERROR. */
export const DEFAULT_AUTH_FAILURE_THRESHOLD = 5;

/** An event PROCESSING for longer than this is considered stuck (its worker died). */
export const STUCK_AFTER_MS = 15 * 60 * 1000;

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}
