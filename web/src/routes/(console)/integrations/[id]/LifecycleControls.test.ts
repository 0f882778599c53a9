// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import LifecycleControls from './LifecycleControls.svelte';

const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement;

describe('<LifecycleControls>', () => {
	it('enables only the transitions valid from the current state, with the reason on the others', () => {
		render(LifecycleControls, { name: 'HubSpot', current: 'PAUSED', onaction: vi.fn() });
		expect(button('Pause').disabled).toBe(true);
		expect(button('Resume').disabled).toBe(false);
		expect(button('Reconnect').disabled).toBe(true);
		expect(button('Disconnect').disabled).toBe(false);
		expect(screen.getByTestId('reason-pause').textContent).toContain('already paused');
		expect(button('Reconnect').getAttribute('aria-describedby')).toBe('why-reconnect');
	});

	it('runs a valid action straight away', async () => {
		const onaction = vi.fn().mockResolvedValue(undefined);
		render(LifecycleControls, { name: 'HubSpot', current: 'ERROR', onaction });
		await fireEvent.click(button('Reconnect'));
		expect(onaction).toHaveBeenCalledWith('reconnect', undefined);
	});

	it('asks before disconnecting and passes the reason', async () => {
		const onaction = vi.fn().mockResolvedValue(undefined);
		render(LifecycleControls, { name: 'HubSpot', current: 'ACTIVE', onaction });
		await fireEvent.click(button('Disconnect'));
		expect(onaction).not.toHaveBeenCalled();
		expect(screen.getByRole('heading', { name: 'Disconnect HubSpot?', hidden: true })).toBeTruthy();
		await fireEvent.input(screen.getByLabelText(/Reason/), { target: { value: 'account closed' } });
		const confirm = screen.getAllByRole('button', { name: 'Disconnect', hidden: true }).find((b) => b.closest('dialog'));
		await fireEvent.click(confirm as HTMLElement);
		expect(onaction).toHaveBeenCalledWith('disconnect', 'account closed');
	});

	it('does nothing for a disabled action', async () => {
		const onaction = vi.fn();
		render(LifecycleControls, { name: 'HubSpot', current: 'DISCONNECTED', onaction });
		await fireEvent.click(button('Pause'));
		expect(onaction).not.toHaveBeenCalled();
	});
});
