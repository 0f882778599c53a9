import { EVENT_STATUSES, type EventStatus, INTEGRATION_TYPES, type IntegrationType } from '#lib/graphql/enums.ts';
import { eventStatusInfo, integrationTypeShortLabel } from './labels.ts';
import { customRange, isRollingPeriod, ROLLING_PERIODS, type RollingPeriod, rollingRange, type TimeRange } from './time.ts';

/**
 * The event log's filters. They live in the URL (so a filtered view can be shared and the back
 * button works); this module is the one place that maps between the two.
 */
export interface EventFilters {
	/** A rolling window, or 'custom' with `from`/`to`, or 'all' for everything still retained. */
	period: RollingPeriod | 'custom' | 'all';
	from: string;
	to: string;
	statuses: EventStatus[];
	types: IntegrationType[];
	eventType: string;
	integrationId: string;
	errorCode: string;
	/** HTTP statuses of the last attempt, comma-separated ("401,403"). */
	httpStatus: string;
	/** HTTP method of the last attempt. */
	method: string;
	search: string;
	order: 'newest' | 'oldest';
}

export const EMPTY_EVENT_FILTERS: EventFilters = {
	period: 'all',
	from: '',
	to: '',
	statuses: [],
	types: [],
	eventType: '',
	integrationId: '',
	errorCode: '',
	httpStatus: '',
	method: '',
	search: '',
	order: 'newest'
};

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const HTTP_METHODS: readonly string[] = METHODS;

/** "401, 403" → [401, 403]; anything that is not a 3-digit status is dropped. */
export function httpStatusesOf(text: string): number[] {
	return [
		...new Set(
			text
				.split(/[\s,]+/)
				.filter((v) => /^[1-5]\d\d$/.test(v))
				.map(Number)
		)
	];
}

/** An event-type filter ending in `*` (or `.`) matches by prefix: "order.*" is order.created, order.paid… */
export function eventTypePrefixOf(eventType: string): string | null {
	const t = eventType.trim();
	if (t.endsWith('*')) return t.slice(0, -1);
	if (t.endsWith('.')) return t;
	return null;
}

function list<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T[] {
	const values = params
		.getAll(name)
		.flatMap((v) => v.split(','))
		.map((v) => v.trim().toUpperCase());
	return allowed.filter((a) => values.includes(a));
}

function text(params: URLSearchParams, name: string): string {
	return (params.get(name) ?? '').trim();
}

export function parseEventFilters(params: URLSearchParams): EventFilters {
	const from = text(params, 'from');
	const to = text(params, 'to');
	const requested = text(params, 'period');
	let period: EventFilters['period'] = 'all';
	if (isRollingPeriod(requested)) period = requested;
	else if (requested === 'custom' || (!requested && (from || to))) period = from && to ? 'custom' : 'all';
	return {
		period,
		from: period === 'custom' ? from : '',
		to: period === 'custom' ? to : '',
		statuses: list(params, 'status', EVENT_STATUSES),
		types: list(params, 'type', INTEGRATION_TYPES),
		eventType: text(params, 'eventType'),
		integrationId: text(params, 'integration'),
		errorCode: text(params, 'errorCode').toUpperCase(),
		httpStatus: httpStatusesOf(text(params, 'http')).join(','),
		method: (METHODS as readonly string[]).includes(text(params, 'method').toUpperCase()) ? text(params, 'method').toUpperCase() : '',
		search: text(params, 'q'),
		order: text(params, 'order') === 'oldest' ? 'oldest' : 'newest'
	};
}

/** The inverse of `parseEventFilters`: defaults are left out so URLs stay short and stable. */
export function eventFiltersToSearchParams(filters: EventFilters): URLSearchParams {
	const params = new URLSearchParams();
	if (filters.period === 'custom' && filters.from && filters.to) {
		params.set('period', 'custom');
		params.set('from', filters.from);
		params.set('to', filters.to);
	} else if (isRollingPeriod(filters.period)) {
		params.set('period', filters.period);
	}
	if (filters.statuses.length) params.set('status', EVENT_STATUSES.filter((s) => filters.statuses.includes(s)).join(','));
	if (filters.types.length) params.set('type', INTEGRATION_TYPES.filter((t) => filters.types.includes(t)).join(','));
	if (filters.eventType.trim()) params.set('eventType', filters.eventType.trim());
	if (filters.integrationId.trim()) params.set('integration', filters.integrationId.trim());
	if (filters.errorCode.trim()) params.set('errorCode', filters.errorCode.trim().toUpperCase());
	const statuses = httpStatusesOf(filters.httpStatus ?? '');
	if (statuses.length) params.set('http', statuses.join(','));
	if (filters.method) params.set('method', filters.method);
	if (filters.search.trim()) params.set('q', filters.search.trim());
	if (filters.order === 'oldest') params.set('order', 'oldest');
	return params;
}

export function eventLogHref(filters: Partial<EventFilters>): string {
	const query = eventFiltersToSearchParams({ ...EMPTY_EVENT_FILTERS, ...filters }).toString();
	return query ? `/events?${query}` : '/events';
}

export function hasActiveFilters(filters: EventFilters): boolean {
	return eventFiltersToSearchParams(filters).size > 0;
}

export function filtersRange(filters: EventFilters, now: Date, timeZone: string): TimeRange | null {
	if (isRollingPeriod(filters.period)) return rollingRange(filters.period, now);
	if (filters.period === 'custom') return customRange(filters.from, filters.to, timeZone);
	return null;
}

/** The filters in words, e.g. for a confirmation: ["Last 7 days", "Status: Failed", "Error code: 500"]. */
export function describeEventFilters(filters: EventFilters, integrationName?: string): string[] {
	const out: string[] = [];
	if (isRollingPeriod(filters.period)) out.push(ROLLING_PERIODS[filters.period].long);
	else if (filters.period === 'custom') out.push(`From ${filters.from} to ${filters.to}`);
	else out.push('All retained events (30 days)');
	if (filters.statuses.length) out.push(`Status: ${filters.statuses.map((s) => eventStatusInfo[s].label).join(', ')}`);
	if (filters.types.length) out.push(`Type: ${filters.types.map((t) => integrationTypeShortLabel[t]).join(', ')}`);
	if (filters.integrationId) out.push(`Integration: ${integrationName ?? filters.integrationId}`);
	if (filters.eventType) out.push(`Event type: ${filters.eventType}`);
	if (filters.errorCode) out.push(`Error code: ${filters.errorCode}`);
	if (filters.httpStatus) out.push(`HTTP status of the last attempt: ${filters.httpStatus}`);
	if (filters.method) out.push(`Method: ${filters.method}`);
	if (filters.search) out.push(`Search: ${filters.search}`);
	return out;
}

/** The GraphQL `EventFilter` input for these filters. */
export function toEventFilterInput(filters: EventFilters, now: Date, timeZone: string) {
	const range = filtersRange(filters, now, timeZone);
	return {
		integrationId: filters.integrationId || undefined,
		statuses: filters.statuses.length ? filters.statuses : undefined,
		types: filters.types.length ? filters.types : undefined,
		eventTypes: filters.eventType && !eventTypePrefixOf(filters.eventType) ? [filters.eventType] : undefined,
		eventTypePrefix: eventTypePrefixOf(filters.eventType) ?? undefined,
		errorCodes: filters.errorCode ? [filters.errorCode] : undefined,
		httpStatuses: httpStatusesOf(filters.httpStatus ?? '').length ? httpStatusesOf(filters.httpStatus) : undefined,
		methods: filters.method ? [filters.method] : undefined,
		search: filters.search || undefined,
		range: range ?? undefined
	};
}

interface LiveEvent {
	id?: string;
	status: EventStatus;
	eventType: string;
	errorCode?: string | null;
	receivedAt: string;
	traceId: string;
	sourceRecordId?: string | null;
	destinationRecordId?: string | null;
	integration: { id: string; type: IntegrationType };
}

/**
 * Whether an event pushed over the live subscription belongs in the current view. Rolling windows
 * only check the start: a window's end is "now" and moves on while the page is open.
 */
export function matchesEventFilters(event: LiveEvent, filters: EventFilters, timeZone: string, now: Date): boolean {
	if (filters.statuses.length && !filters.statuses.includes(event.status)) return false;
	if (filters.types.length && !filters.types.includes(event.integration.type)) return false;
	if (filters.integrationId && filters.integrationId !== event.integration.id) return false;
	const prefix = eventTypePrefixOf(filters.eventType);
	if (filters.eventType && (prefix === null ? filters.eventType !== event.eventType : !event.eventType.startsWith(prefix))) return false;
	// Searches inside payloads, by attempt status or method cannot be checked on a pushed event: the next load shows them.
	if (filters.httpStatus || filters.method) return false;
	if (filters.errorCode && filters.errorCode !== (event.errorCode ?? '').toUpperCase()) return false;
	if (filters.search) {
		const s = filters.search.trim();
		if (/^evt_/i.test(s)) return s.toLowerCase() === event.id?.toLowerCase();
		if (![event.traceId, event.sourceRecordId, event.destinationRecordId].includes(/^[0-9a-f]{32}$/i.test(s) ? s.toLowerCase() : s))
			return false;
	}
	const range = filtersRange(filters, now, timeZone);
	if (range) {
		const at = new Date(event.receivedAt).getTime();
		if (at < new Date(range.from).getTime()) return false;
		if (filters.period === 'custom' && at >= new Date(range.to).getTime()) return false;
	}
	return true;
}
