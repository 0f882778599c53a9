import { describe, expect, it } from 'vitest';
import {
	EMPTY_EVENT_FILTERS,
	describeEventFilters,
	type EventFilters,
	eventFiltersToSearchParams,
	eventLogHref,
	matchesEventFilters,
	parseEventFilters,
	toEventFilterInput
} from './event-filters.ts';

const full: EventFilters = {
	period: 'custom',
	from: '2026-11-01',
	to: '2026-11-07',
	statuses: ['RETRYING', 'FAILED'],
	types: ['OUTBOUND_WEBHOOK'],
	eventType: 'contact.created',
	integrationId: 'int_42',
	errorCode: '429',
	httpStatus: '401,503',
	method: 'PUT',
	search: 'trace-abc',
	order: 'oldest'
};

describe('event filters ↔ URL', () => {
	it('round-trips every filter through the query string', () => {
		const params = eventFiltersToSearchParams(full);
		expect(parseEventFilters(new URLSearchParams(params.toString()))).toEqual(full);
	});

	it('round-trips rolling periods and the empty set', () => {
		for (const period of ['24h', '7d', '30d', 'all'] as const) {
			const filters = { ...EMPTY_EVENT_FILTERS, period };
			expect(parseEventFilters(eventFiltersToSearchParams(filters))).toEqual(filters);
		}
		expect(eventFiltersToSearchParams(EMPTY_EVENT_FILTERS).toString()).toBe('');
	});

	it('writes a short, stable URL with statuses in lifecycle order', () => {
		expect(eventLogHref({ errorCode: '404', statuses: ['FAILED'], period: '7d' })).toBe('/events?period=7d&status=FAILED&errorCode=404');
		expect(eventFiltersToSearchParams(full).get('status')).toBe('RETRYING,FAILED');
	});

	it('reads what people type or paste: repeated params, lower case, junk', () => {
		const parsed = parseEventFilters(new URLSearchParams('status=failed&status=bogus,retrying&type=prebuilt&errorCode=timeout&q=%20x%20'));
		expect(parsed.statuses).toEqual(['RETRYING', 'FAILED']);
		expect(parsed.types).toEqual(['PREBUILT']);
		expect(parsed.errorCode).toBe('TIMEOUT');
		expect(parsed.search).toBe('x');
	});

	it('ignores a custom period without both bounds', () => {
		expect(parseEventFilters(new URLSearchParams('period=custom&from=2026-11-01')).period).toBe('all');
		expect(parseEventFilters(new URLSearchParams('from=2026-11-01&to=2026-11-02')).period).toBe('custom');
	});
});

describe('event filters → GraphQL', () => {
	it('reads a time of day in the workspace zone, an event-type prefix, HTTP statuses and a method', () => {
		const f = { ...full, from: '2026-11-03T09:30', to: '2026-11-03T10:15', eventType: 'order.*' };
		const input = toEventFilterInput(f, new Date('2026-11-23T12:00:00Z'), 'Europe/Berlin');
		expect(input.range).toEqual({ from: '2026-11-03T08:30:00.000Z', to: '2026-11-03T09:15:00.000Z' });
		expect(input).toMatchObject({ eventTypePrefix: 'order.', eventTypes: undefined, httpStatuses: [401, 503], methods: ['PUT'] });
		expect(parseEventFilters(eventFiltersToSearchParams(f))).toEqual(f);
	});

	it('turns calendar days in the workspace zone into a half-open instant range', () => {
		const input = toEventFilterInput(full, new Date('2026-11-23T12:00:00Z'), 'Europe/Berlin');
		expect(input.range).toEqual({ from: '2026-10-31T23:00:00.000Z', to: '2026-11-07T23:00:00.000Z' });
		expect(input).toMatchObject({
			statuses: ['RETRYING', 'FAILED'],
			errorCodes: ['429'],
			eventTypes: ['contact.created'],
			integrationId: 'int_42',
			search: 'trace-abc'
		});
	});

	it('leaves out what is not filtered', () => {
		expect(toEventFilterInput(EMPTY_EVENT_FILTERS, new Date(), 'UTC')).toEqual({
			integrationId: undefined,
			statuses: undefined,
			types: undefined,
			eventTypes: undefined,
			eventTypePrefix: undefined,
			errorCodes: undefined,
			httpStatuses: undefined,
			methods: undefined,
			search: undefined,
			range: undefined
		});
	});
});

describe('matchesEventFilters (live rows)', () => {
	const event = {
		status: 'FAILED' as const,
		eventType: 'contact.created',
		errorCode: '429',
		receivedAt: '2026-11-23T11:59:00.000Z',
		traceId: 'trace-abc',
		integration: { id: 'int_42', type: 'OUTBOUND_WEBHOOK' as const }
	};
	const now = new Date('2026-11-23T12:00:00Z');

	it('accepts an event that matches every filter', () => {
		const all = { ...full, period: '24h' as const, from: '', to: '', httpStatus: '', method: '' };
		expect(matchesEventFilters(event, all, 'UTC', now)).toBe(true);
		// An event-type prefix matches live events too; an attempt-status filter waits for the next load.
		expect(matchesEventFilters(event, { ...all, eventType: 'contact.*' }, 'UTC', now)).toBe(true);
		expect(matchesEventFilters(event, { ...all, httpStatus: '401' }, 'UTC', now)).toBe(false);
	});

	it('rejects one that misses any filter', () => {
		expect(matchesEventFilters({ ...event, errorCode: '500' }, full, 'UTC', now)).toBe(false);
		expect(matchesEventFilters({ ...event, status: 'DELIVERED' }, EMPTY_EVENT_FILTERS, 'UTC', now)).toBe(true);
		expect(matchesEventFilters({ ...event, status: 'DELIVERED' }, { ...EMPTY_EVENT_FILTERS, statuses: ['FAILED'] }, 'UTC', now)).toBe(
			false
		);
		expect(matchesEventFilters(event, { ...EMPTY_EVENT_FILTERS, search: 'other' }, 'UTC', now)).toBe(false);
	});
});

describe('describeEventFilters', () => {
	it('says what a replay of these filters covers', () => {
		const filters = parseEventFilters(new URLSearchParams('period=7d&status=FAILED&errorCode=500&integration=int_1'));
		expect(describeEventFilters(filters, 'Orders to CRM')).toEqual([
			'Last 7 days',
			'Status: Failed',
			'Integration: Orders to CRM',
			'Error code: 500'
		]);
		expect(describeEventFilters(parseEventFilters(new URLSearchParams()))).toEqual(['All retained events (30 days)']);
	});
});
