// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_CONTEXT_KEY } from '#lib/graphql/client.ts';
import { WORKSPACE_CONTEXT_KEY, type WorkspaceContext } from '#lib/managers/workspace.svelte.ts';
import { browserClientFor } from '#lib/testing/browser-client.ts';
import { startFakeApi } from '#lib/testing/fake-api.ts';
import { ADMIN_KEY, READ_KEY } from '#lib/testing/fake-data.ts';
import Page from './+page.svelte';

// The integration page with the console's real urql client against the executable schema.
let server: Awaited<ReturnType<typeof startFakeApi>>;
beforeAll(async () => {
	server = await startFakeApi();
});
afterAll(() => server.close());

function renderAs(key: string, isAdmin: boolean) {
	const workspace: WorkspaceContext = { name: 'Acme', timezone: 'UTC', scopes: isAdmin ? ['READ', 'ADMIN'] : ['READ'], isAdmin };
	return render(Page, {
		props: { data: { id: 'int_shopify' }, params: { id: 'int_shopify' } } as never,
		context: new Map<unknown, unknown>([
			[CLIENT_CONTEXT_KEY, browserClientFor(server.url, key)],
			[WORKSPACE_CONTEXT_KEY, workspace]
		])
	});
}

describe('integration page', () => {
	it('shows a READ key the integration but no lifecycle buttons', async () => {
		renderAs(READ_KEY, false);
		await screen.findByRole('heading', { level: 1, name: /Shopify orders out/ });
		expect(screen.queryByRole('button', { name: 'Pause' })).toBeNull();
		expect(screen.getByText(/lifecycle actions need an ADMIN key/)).toBeTruthy();
	});

	it('lets an ADMIN key pause it, and the badge follows the API', async () => {
		renderAs(ADMIN_KEY, true);
		const pause = (await screen.findByRole('button', { name: 'Pause' })) as HTMLButtonElement;
		expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('Active');
		await fireEvent.click(pause);
		await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toContain('Paused'));
		expect(server.api.data.integrations.find((i) => i.id === 'int_shopify')?.state).toBe('PAUSED');
		expect((screen.getByRole('button', { name: 'Resume' }) as HTMLButtonElement).disabled).toBe(false);
		expect((screen.getByRole('button', { name: 'Pause' }) as HTMLButtonElement).disabled).toBe(true);
	});
});
