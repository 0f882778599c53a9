import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type LiveFailure, liveFeed } from './live-feed.svelte.ts';
import { toastManager } from './toast.svelte.ts';

const failure = (n: number, name = 'HubSpot'): LiveFailure =>
	({
		id: `evt_${n}`,
		eventType: 'contact.created',
		status: 'FAILED',
		errorCode: '503',
		errorMessage: 'Destination answered 503',
		integration: { id: 'int_1', name, type: 'PREBUILT', provider: 'hubspot' }
	}) as LiveFailure;

beforeEach(() => {
	vi.useFakeTimers();
	toastManager.clear();
	liveFeed.stop();
	liveFeed.markSeen();
});
afterEach(() => vi.useRealTimers());

describe('live failure feed', () => {
	it('announces a failure with a link to it and counts it as unseen', () => {
		const version = liveFeed.version;
		liveFeed.receive(failure(1));
		expect(liveFeed.version).toBe(version + 1);
		expect(liveFeed.unseen).toBe(1);
		expect(toastManager.items).toHaveLength(1);
		expect(toastManager.items[0]).toMatchObject({ tone: 'failure', title: 'Delivery failed: HubSpot', href: '/events/evt_1' });
	});

	it('folds a burst into one toast instead of flooding the screen', () => {
		liveFeed.receive(failure(1));
		for (let n = 2; n <= 30; n++) liveFeed.receive(failure(n, n % 2 ? 'Stripe' : 'Slack'));
		expect(toastManager.items).toHaveLength(1);
		vi.advanceTimersByTime(4000);
		expect(toastManager.items).toHaveLength(2);
		expect(toastManager.items[1]).toMatchObject({
			title: '29 more failures',
			body: 'Slack, Stripe',
			href: '/events?status=FAILED,RETRYING'
		});
		expect(liveFeed.unseen).toBe(30);
		liveFeed.markSeen();
		expect(liveFeed.unseen).toBe(0);
	});

	it('counts distinct events by their latest status, so retries are not "new failures" and match the tiles', () => {
		const retrying = { ...failure(7), status: 'RETRYING' } as LiveFailure;
		liveFeed.receive(retrying);
		liveFeed.receive(retrying);
		liveFeed.receive(retrying);
		expect(liveFeed.unseen).toBe(1);
		expect(liveFeed.unseenRetrying).toBe(1);
		expect(liveFeed.unseenFailed).toBe(0);
		liveFeed.receive(failure(7));
		liveFeed.receive(failure(8));
		expect(liveFeed).toMatchObject({ unseen: 2, unseenFailed: 2, unseenRetrying: 0 });
	});
});
