import type { introspection_types } from './graphql-env.d.ts';

// Enum types come from the schema; the runtime lists below must name every value (checked by `satisfies`).
export type IntegrationType = introspection_types['IntegrationType']['enumValues'];
export type IntegrationState = introspection_types['IntegrationState']['enumValues'];
export type EventStatus = introspection_types['EventStatus']['enumValues'];
export type Environment = introspection_types['Environment']['enumValues'];
export type ErrorCategory = introspection_types['ErrorCategory']['enumValues'];
export type ApiScope = introspection_types['ApiScope']['enumValues'];
export type TimeBucket = introspection_types['TimeBucket']['enumValues'];

type Exhaustive<T extends string, L extends readonly T[]> = [T] extends [L[number]] ? L : never;

export const INTEGRATION_TYPES = [
	'INBOUND_WEBHOOK',
	'OUTBOUND_WEBHOOK',
	'PREBUILT',
	'CUSTOM_NODE',
	'CUSTOM_EVENT'
] as const satisfies Exhaustive<IntegrationType, readonly IntegrationType[]>;

export const INTEGRATION_STATES = ['ACTIVE', 'PAUSED', 'ERROR', 'DISCONNECTED'] as const satisfies Exhaustive<
	IntegrationState,
	readonly IntegrationState[]
>;

export const EVENT_STATUSES = ['RECEIVED', 'PROCESSING', 'DELIVERED', 'RETRYING', 'FAILED'] as const satisfies Exhaustive<
	EventStatus,
	readonly EventStatus[]
>;

export const ENVIRONMENTS = ['PRODUCTION', 'TEST'] as const satisfies Exhaustive<Environment, readonly Environment[]>;

export function isOneOf<T extends string>(list: readonly T[], value: string | null | undefined): value is T {
	return value != null && (list as readonly string[]).includes(value);
}
