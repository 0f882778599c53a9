// @vitest-environment jsdom
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import PercentChange from './PercentChange.svelte';

describe('<PercentChange>', () => {
	it('shows an up arrow in the bad colour when failures grow', () => {
		const { container } = render(PercentChange, { change: 50, polarity: 'lower-is-better' });
		const el = container.querySelector('.change');
		expect(el?.textContent).toContain('▲ 50%');
		expect(el?.classList.contains('bad')).toBe(true);
		expect(el?.getAttribute('data-direction')).toBe('up');
		expect(screen.getByText('Up 50% on the previous period')).toBeTruthy();
	});

	it('shows a down arrow in the good colour when failures shrink', () => {
		const { container } = render(PercentChange, { change: -20, polarity: 'lower-is-better' });
		expect(container.querySelector('.change')?.classList.contains('good')).toBe(true);
	});

	it('shows a dash when there is no previous data', () => {
		const { container } = render(PercentChange, { change: null, polarity: 'higher-is-better' });
		expect(container.querySelector('[aria-hidden="true"]')?.textContent).toBe('—');
		expect(screen.getByText('No previous data to compare with')).toBeTruthy();
	});
});
