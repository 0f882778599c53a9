import { describe, expect, it } from 'vitest';
import { customRange, formatDateTime, rollingRange, startOfZonedDay, timeZoneOffsetMs, zonedDate } from './time.ts';

describe('time in the workspace zone', () => {
	it('finds where a calendar day starts, across DST', () => {
		expect(startOfZonedDay('2026-07-01', 'Europe/Berlin').toISOString()).toBe('2026-06-30T22:00:00.000Z');
		expect(startOfZonedDay('2026-12-01', 'Europe/Berlin').toISOString()).toBe('2026-11-30T23:00:00.000Z');
		expect(startOfZonedDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
		expect(startOfZonedDay('2026-11-23', 'UTC').toISOString()).toBe('2026-11-23T00:00:00.000Z');
	});

	it('knows offsets and local dates', () => {
		expect(timeZoneOffsetMs(new Date('2026-11-23T12:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
		expect(zonedDate(new Date('2026-11-23T23:30:00Z'), 'Europe/Berlin')).toBe('2026-11-24');
	});

	it('makes half-open ranges: custom days include the last day; rolling windows end at the next minute', () => {
		expect(customRange('2026-11-01', '2026-11-01', 'UTC')).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' });
		expect(customRange('2026-11-02', '2026-11-01', 'UTC')).toBeNull();
		expect(rollingRange('24h', new Date('2026-11-23T12:00:30Z'))).toEqual({
			from: '2026-11-22T12:01:00.000Z',
			to: '2026-11-23T12:01:00.000Z'
		});
	});

	it('prints the zone with every time', () => {
		expect(formatDateTime('2026-11-23T10:04:05Z', 'UTC')).toBe('23 Nov 2026, 10:04:05 UTC');
		expect(formatDateTime('2026-07-01T10:04:05Z', 'Europe/Berlin', { seconds: false })).toBe('1 Jul 2026, 12:04 CEST');
	});
});
