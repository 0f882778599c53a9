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
});
