import { describe, expect, it } from 'vitest';
import { INTEGRATION_STATES } from '#lib/graphql/enums.ts';
import { lifecycleOptions } from './integration-lifecycle.ts';

const enabled = (state: Parameters<typeof lifecycleOptions>[0]) =>
	lifecycleOptions(state)
		.filter((o) => o.enabled)
		.map((o) => o.action);

describe('lifecycle buttons follow the state machine', () => {
	it('offers exactly the valid transitions of DESIGN.md', () => {
		expect(enabled('ACTIVE')).toEqual(['pause', 'disconnect']);
		expect(enabled('PAUSED')).toEqual(['resume', 'disconnect']);
		expect(enabled('ERROR')).toEqual(['pause', 'reconnect', 'disconnect']);
		expect(enabled('DISCONNECTED')).toEqual(['reconnect']);
	});

	it('always lists all four actions, giving a reason for each one that is disabled', () => {
		for (const state of INTEGRATION_STATES) {
			const options = lifecycleOptions(state);
			expect(options.map((o) => o.action)).toEqual(['pause', 'resume', 'reconnect', 'disconnect']);
			for (const option of options) {
				if (option.enabled) expect(option.reason).toBeUndefined();
				else expect(option.reason).toMatch(/\w+/);
			}
		}
	});

	it('asks for confirmation only before disconnecting', () => {
		expect(
			lifecycleOptions('ACTIVE')
				.filter((o) => o.confirm)
				.map((o) => o.action)
		).toEqual(['disconnect']);
	});
});
