import type { ErrorCategory, EventStatus, IntegrationState, IntegrationType } from '#lib/graphql/enums.ts';

export const integrationTypeLabel: Record<IntegrationType, string> = {
	INBOUND_WEBHOOK: 'Inbound webhooks',
	OUTBOUND_WEBHOOK: 'Outbound webhooks',
	PREBUILT: 'Pre-built integrations',
	CUSTOM_NODE: 'Custom nodes',
	CUSTOM_EVENT: 'Custom events'
};

export const integrationTypeShortLabel: Record<IntegrationType, string> = {
	INBOUND_WEBHOOK: 'Inbound webhook',
	OUTBOUND_WEBHOOK: 'Outbound webhook',
	PREBUILT: 'Pre-built',
	CUSTOM_NODE: 'Custom node',
	CUSTOM_EVENT: 'Custom event'
};

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const integrationTypeColor: Record<IntegrationType, string> = {
	INBOUND_WEBHOOK: '#0072B2',
	OUTBOUND_WEBHOOK: '#E69F00',
	PREBUILT: '#009E73',
	CUSTOM_NODE: '#CC79A7',
	CUSTOM_EVENT: '#D55E00'
};

export type Tone = 'good' | 'bad' | 'warn' | 'neutral' | 'info';

export const integrationStateInfo: Record<IntegrationState, { label: string; tone: Tone; meaning: string }> = {
	ACTIVE: { label: 'Active', tone: 'good', meaning: 'Receiving and delivering events.' },
	PAUSED: { label: 'Paused', tone: 'warn', meaning: 'Events are accepted and held; nothing is sent until resumed.' },
	ERROR: {
		label: 'Error',
		tone: 'bad',
		meaning: 'Deliveries stopped after repeated authentication failures; reconnect once credentials are fixed.'
	},
	DISCONNECTED: { label: 'Disconnected', tone: 'neutral', meaning: 'Accepts no new events and sends nothing.' }
};

export const eventStatusInfo: Record<EventStatus, { label: string; tone: Tone; meaning: string }> = {
	RECEIVED: { label: 'Received', tone: 'info', meaning: 'Stored and waiting for the delivery worker.' },
	PROCESSING: { label: 'Processing', tone: 'info', meaning: 'Being mapped and delivered right now.' },
	DELIVERED: { label: 'Delivered', tone: 'good', meaning: 'The destination accepted it.' },
	RETRYING: { label: 'Retrying', tone: 'warn', meaning: 'The last attempt failed with a temporary error; another is scheduled.' },
	FAILED: { label: 'Failed', tone: 'bad', meaning: 'Delivery stopped: the error is permanent or retries ran out.' }
};

export const errorCategoryLabel: Record<ErrorCategory, string> = {
	CLIENT: 'Request problem',
	AUTH: 'Authentication',
	RATE_LIMIT: 'Rate limit',
	SERVER: 'Destination server',
	NETWORK: 'Network',
	PLATFORM: 'Platform'
};
