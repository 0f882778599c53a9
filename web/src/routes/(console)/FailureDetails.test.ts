// @vitest-environment jsdom
import { render, screen } from '@testing-library/svelte';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_CONTEXT_KEY } from '#lib/graphql/client.ts';
import { browserClientFor } from '#lib/testing/browser-client.ts';
import { startFakeApi } from '#lib/testing/fake-api.ts';
import { READ_KEY } from '#lib/testing/fake-data.ts';
import FailureDetails from './FailureDetails.svelte';

let server: Awaited<ReturnType<typeof startFakeApi>>;
beforeAll(async () => {
	server = await startFakeApi();
});
afterAll(() => server.close());

const group = (errorCode: string, type: 'OUTBOUND_WEBHOOK' | 'PREBUILT' = 'OUTBOUND_WEBHOOK') => ({
	integration: { id: 'int_shopify', name: 'Shopify orders out', type, provider: 'shopify', state: 'ACTIVE' as const },
	errorCode,
	description: 'Too Many Requests',
	service: 'shopify-sync',
	flow: 'Lead capture',
	totalErrors: 12,
	retrying: 0,
	firstSeenAt: '2026-11-20T10:00:00.000Z',
	lastSeenAt: '2026-11-23T10:00:00.000Z'
});

function renderDetails(g: ReturnType<typeof group>) {
	return render(FailureDetails, {
		props: { group: g, eventsHref: '/events?integration=int_shopify&errorCode=429' },
		context: new Map([[CLIENT_CONTEXT_KEY, browserClientFor(server.url, READ_KEY)]])
	});
}

describe('<FailureDetails>', () => {
	it('shows the catalog’s remediation for the code and integration type', async () => {
		renderDetails(group('429'));
		const guidance = await screen.findByTestId('remediation-guidance');
		expect(guidance.textContent).toContain('honour Retry-After');
		expect(screen.getByText('Retried automatically')).toBeTruthy();
		expect(screen.getByRole('link', { name: 'Open integration' }).getAttribute('href')).toBe('/integrations/int_shopify');
		expect(screen.getByRole('link', { name: 'View these events' }).getAttribute('href')).toContain('errorCode=429');
	});

	it('says so when the code does not apply to this type', async () => {
		renderDetails(group('804'));
		expect(await screen.findByText(/not applicable to outbound webhook integrations/)).toBeTruthy();
	});
});
