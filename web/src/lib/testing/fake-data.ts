/**
 * A small, deterministic workspace for tests and for running the console without the real server.
 * Nothing in the console imports this: it is test support only.
 */
import type { ApiScope, EventStatus, IntegrationState, IntegrationType } from '#lib/graphql/enums.ts';

export interface FakeIntegration {
	id: string;
	name: string;
	type: IntegrationType;
	provider: string;
	providerClass: 'PAYMENTS' | 'CRM' | 'ECOMMERCE' | 'CHAT' | 'OTHER';
	direction: 'INBOUND' | 'OUTBOUND';
	environment: 'TEST' | 'PRODUCTION';
	state: IntegrationState;
	stateReason: string | null;
	owner: string | null;
	installedAt: string;
	updatedAt: string;
	destinationUrl: string | null;
	subscribedEventTypes: string[];
	fieldMapping: unknown;
	service: string | null;
	flow: string | null;
	circuit: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
	circuitOpenedAt: string | null;
	throttledUntil: string | null;
	previousSecretExpiresAt: string | null;
	deliveryRateLimit: number | null;
	deliveryRatePeriod: 'SECOND' | 'MINUTE';
	maxInFlight: number | null;
	stateHistory: { from: IntegrationState | null; to: IntegrationState; reason: string | null; actor: string; at: string }[];
}

export interface FakeEvent {
	id: string;
	integrationId: string;
	eventType: string;
	status: EventStatus;
	source: 'USER' | 'SYSTEM';
	sourceRecordId: string | null;
	destinationRecordId: string | null;
	idempotencyKey: string | null;
	traceId: string;
	receivedAt: string;
	updatedAt: string;
	deliveredAt: string | null;
	attemptCount: number;
	nextAttemptAt: string | null;
	errorCode: string | null;
	errorMessage: string | null;
	payload: unknown;
}

export interface FakeKey {
	key: string;
	id: string;
	name: string;
	prefix: string;
	scopes: ApiScope[];
}

export interface CatalogEntry {
	code: string;
	label: string;
	category: 'CLIENT' | 'AUTH' | 'RATE_LIMIT' | 'SERVER' | 'NETWORK' | 'PLATFORM';
	retryable: boolean;
	guidance: Partial<Record<IntegrationType, string>>;
}

export interface FakeWorkspace {
	workspace: { id: string; name: string; timezone: string };
	keys: FakeKey[];
	integrations: FakeIntegration[];
	events: FakeEvent[];
	catalog: CatalogEntry[];
}

export const ADMIN_KEY = 'sb_test_admin_0123456789';
export const READ_KEY = 'sb_test_read_0123456789';

const ALL_TYPES: IntegrationType[] = ['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT', 'CUSTOM_NODE', 'CUSTOM_EVENT'];

function all(text: string): Partial<Record<IntegrationType, string>> {
	return Object.fromEntries(ALL_TYPES.map((t) => [t, text]));
}

export const FAKE_CATALOG: CatalogEntry[] = [
	{
		code: '400',
		label: 'Bad Request',
		category: 'CLIENT',
		retryable: false,
		guidance: all('Compare the request body with the destination’s API reference; a field is missing or malformed.')
	},
	{
		code: '401',
		label: 'Unauthorized',
		category: 'AUTH',
		retryable: false,
		guidance: all('Renew the credentials on the integration, then reconnect it.')
	},
	{
		code: '404',
		label: 'Not Found',
		category: 'CLIENT',
		retryable: false,
		guidance: all('The endpoint or record is gone: check the destination URL and the record id.')
	},
	{
		code: '429',
		label: 'Too Many Requests',
		category: 'RATE_LIMIT',
		retryable: true,
		guidance: all('Sending faster than the destination allows; retries honour Retry-After. Lower the volume or ask for a higher limit.')
	},
	{
		code: '500',
		label: 'Internal Server Error',
		category: 'SERVER',
		retryable: true,
		guidance: all('The destination failed; retries continue. Contact the provider if it persists.')
	},
	{
		code: '503',
		label: 'Service Unavailable',
		category: 'SERVER',
		retryable: true,
		guidance: all('The destination is down for now; events are retried on schedule.')
	},
	{
		code: 'TIMEOUT',
		label: 'Timed out',
		category: 'NETWORK',
		retryable: true,
		guidance: all('The destination did not answer in time; check its status page.')
	},
	{
		code: '804',
		label: 'Problem while processing action',
		category: 'PLATFORM',
		retryable: false,
		guidance: {
			INBOUND_WEBHOOK: 'The incoming event could not be processed: check its payload against the flow’s expectations.',
			CUSTOM_EVENT: 'The incoming event could not be processed: check its payload.'
		}
	}
];

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same workspace. */
function random(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const HOUR = 3_600_000;

export function createFakeWorkspace(options: { now?: Date; seed?: number; eventsPerDay?: number } = {}): FakeWorkspace {
	const now = options.now ?? new Date();
	const rand = random(options.seed ?? 7);
	const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
	const installedAt = new Date(now.getTime() - 60 * 24 * HOUR).toISOString();

	const base = (
		id: string,
		name: string,
		type: IntegrationType,
		provider: string,
		providerClass: FakeIntegration['providerClass'],
		state: IntegrationState = 'ACTIVE'
	): FakeIntegration => ({
		id,
		name,
		type,
		provider,
		providerClass,
		direction: type === 'INBOUND_WEBHOOK' ? 'INBOUND' : 'OUTBOUND',
		environment: 'PRODUCTION',
		state,
		stateReason: state === 'ERROR' ? '5 consecutive 401 responses' : null,
		owner: 'ops@example.com',
		installedAt,
		updatedAt: installedAt,
		destinationUrl: type === 'INBOUND_WEBHOOK' ? null : `https://api.${provider}.example.com/v1/hooks`,
		subscribedEventTypes: type === 'INBOUND_WEBHOOK' ? [] : ['contact.created', 'deal.updated'],
		fieldMapping: type === 'PREBUILT' ? { email: '$.contact.email', name: '$.contact.fullName' } : null,
		service: `${provider}-sync`,
		flow: 'Lead capture',
		circuit: 'CLOSED',
		circuitOpenedAt: null,
		throttledUntil: null,
		previousSecretExpiresAt: null,
		deliveryRateLimit: null,
		deliveryRatePeriod: 'SECOND',
		maxInFlight: null,
		stateHistory: [
			{ from: null, to: 'ACTIVE', reason: 'created', actor: 'admin key', at: installedAt },
			...(state === 'ACTIVE'
				? []
				: [
						{
							from: 'ACTIVE' as const,
							to: state,
							reason: state === 'ERROR' ? '5 consecutive 401 responses' : null,
							actor: state === 'ERROR' ? 'system' : 'admin key',
							at: new Date(now.getTime() - 3 * HOUR).toISOString()
						}
					])
		]
	});

	const integrations: FakeIntegration[] = [
		base('int_hubspot', 'HubSpot contacts', 'PREBUILT', 'hubspot', 'CRM'),
		base('int_stripe', 'Stripe payments in', 'INBOUND_WEBHOOK', 'stripe', 'PAYMENTS'),
		base('int_shopify', 'Shopify orders out', 'OUTBOUND_WEBHOOK', 'shopify', 'ECOMMERCE'),
		base('int_slack', 'Slack alerts', 'CUSTOM_NODE', 'slack', 'CHAT', 'PAUSED'),
		base('int_sf', 'Salesforce leads', 'CUSTOM_EVENT', 'salesforce', 'CRM', 'ERROR')
	];

	const events: FakeEvent[] = [];
	const perDay = options.eventsPerDay ?? 12;
	let n = 0;
	for (let hoursAgo = 30 * 24; hoursAgo >= 0; hoursAgo--) {
		for (const integration of integrations) {
			if (rand() > perDay / 24) continue;
			const receivedAt = new Date(now.getTime() - hoursAgo * HOUR - Math.floor(rand() * HOUR * 0.9));
			if (receivedAt > now) continue;
			const roll = rand();
			const status: EventStatus =
				hoursAgo < 1 && roll < 0.1 ? 'PROCESSING' : roll < 0.78 ? 'DELIVERED' : roll < 0.93 ? 'FAILED' : 'RETRYING';
			const failing = status === 'FAILED' || status === 'RETRYING';
			const errorCode = failing ? (integration.state === 'ERROR' ? '401' : pick(['404', '429', '500', '503', 'TIMEOUT', '400'])) : null;
			n++;
			const id = `evt_${String(n).padStart(5, '0')}`;
			const expired = now.getTime() - receivedAt.getTime() > 7 * 24 * HOUR;
			events.push({
				id,
				integrationId: integration.id,
				eventType: pick(['contact.created', 'deal.updated', 'order.paid']),
				status,
				source: rand() < 0.3 ? 'USER' : 'SYSTEM',
				sourceRecordId: `rec_${1000 + n}`,
				destinationRecordId: status === 'DELIVERED' ? `dst_${5000 + n}` : null,
				idempotencyKey: `idem_${n}`,
				traceId: `trace-${n.toString(16).padStart(8, '0')}`,
				receivedAt: receivedAt.toISOString(),
				updatedAt: new Date(receivedAt.getTime() + 2000).toISOString(),
				deliveredAt: status === 'DELIVERED' ? new Date(receivedAt.getTime() + 850).toISOString() : null,
				attemptCount: status === 'DELIVERED' ? 1 : failing ? 1 + Math.floor(rand() * 3) : 0,
				nextAttemptAt: status === 'RETRYING' ? new Date(now.getTime() + 5 * 60_000).toISOString() : null,
				errorCode,
				errorMessage: errorCode ? `Destination answered ${errorCode}` : null,
				payload: expired ? null : { contact: { email: `person${n}@example.com`, fullName: `Person ${n}` } }
			});
		}
	}
	events.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id));

	return {
		workspace: { id: 'ws_demo', name: 'Acme (demo)', timezone: 'Europe/Berlin' },
		keys: [
			{ key: ADMIN_KEY, id: 'key_admin', name: 'Demo admin', prefix: 'sb_test_adm', scopes: ['READ', 'INGEST', 'ADMIN'] },
			{ key: READ_KEY, id: 'key_read', name: 'Dashboard reader', prefix: 'sb_test_rea', scopes: ['READ'] }
		],
		integrations,
		events,
		catalog: FAKE_CATALOG
	};
}
