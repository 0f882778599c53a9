import { describe, expect, it } from 'vitest';
import { describeChange } from './percent-change.ts';

describe('describeChange', () => {
	it('shows a dash, not 0%, when there was nothing in the previous period', () => {
		for (const value of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) {
			expect(describeChange(value, 'higher-is-better')).toMatchObject({ text: '—', direction: 'none', tone: 'neutral' });
		}
	});

	it('treats a real zero change as flat', () => {
		expect(describeChange(0, 'lower-is-better')).toMatchObject({ text: '0%', direction: 'flat', tone: 'neutral' });
		expect(describeChange(0.04, 'lower-is-better').direction).toBe('flat');
	});

	it('colours more successes good and more failures bad', () => {
		expect(describeChange(25, 'higher-is-better')).toMatchObject({ text: '▲ 25%', direction: 'up', tone: 'good' });
		expect(describeChange(25, 'lower-is-better')).toMatchObject({ text: '▲ 25%', direction: 'up', tone: 'bad' });
		expect(describeChange(-40, 'higher-is-better')).toMatchObject({ text: '▼ 40%', direction: 'down', tone: 'bad' });
		expect(describeChange(-40, 'lower-is-better')).toMatchObject({ text: '▼ 40%', direction: 'down', tone: 'good' });
	});

	it('keeps one decimal below 10% and groups thousands', () => {
		expect(describeChange(4.26, 'higher-is-better').text).toBe('▲ 4.3%');
		expect(describeChange(-0.5, 'higher-is-better').text).toBe('▼ 0.5%');
		expect(describeChange(1234.4, 'higher-is-better').text).toBe('▲ 1,234%');
	});

	it('says the direction in words for screen readers', () => {
		expect(describeChange(-12, 'lower-is-better').label).toBe('Down 12% on the previous period');
	});

	it('says "new" or "—" instead of a percentage when the previous period held fewer than 10, with the counts in words', () => {
		// One event at the edge of the history: the API's exact figure is absurd as a headline.
		const absurd = describeChange(3_464_000, 'higher-is-better', { current: 34_641, previous: 1 });
		expect(absurd).toMatchObject({ text: '—', direction: 'none', tone: 'neutral' });
		expect(absurd.label).toBe('Too few in the previous period to compare (34,641 now, 1 in the previous period)');
		expect(describeChange(null, 'lower-is-better', { current: 5, previous: 0 })).toMatchObject({ text: 'new', direction: 'none' });
		expect(describeChange(null, 'lower-is-better', { current: 0, previous: 0 }).text).toBe('—');
		expect(describeChange(-50, 'lower-is-better', { current: 5, previous: 10 })).toMatchObject({ text: '▼ 50%', tone: 'good' });
		expect(describeChange(-50, 'lower-is-better', { current: 5, previous: 10 }).label).toBe(
			'Down 50% on the previous period (5 now, 10 in the previous period)'
		);
	});
});
