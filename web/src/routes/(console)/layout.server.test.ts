import { isHttpError, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeApi } from '#lib/testing/fake-api.ts';
import { READ_KEY } from '#lib/testing/fake-data.ts';
import { load } from './+layout.server.ts';

let server: Awaited<ReturnType<typeof startFakeApi>>;
const previousUrl = process.env.SWITCHBOARD_API_URL;
beforeAll(async () => {
	server = await startFakeApi();
	process.env.SWITCHBOARD_API_URL = server.url;
});
afterAll(async () => {
	process.env.SWITCHBOARD_API_URL = previousUrl;
	await server.close();
});

function run(apiKey: string | null, path = '/events?status=FAILED') {
	const cookies = { delete: vi.fn(), get: vi.fn(), set: vi.fn(), getAll: vi.fn(), serialize: vi.fn() };
	const url = new URL(`http://localhost${path}`);
	// Only the fields the load function reads.
	const event = { locals: { apiKey }, cookies, url } as unknown as Parameters<typeof load>[0];
	return { cookies, result: Promise.resolve().then(() => load(event)) };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
	return promise.then(
		() => undefined,
		(e: unknown) => e
	);
}

describe('console guard', () => {
	it('sends a signed-out visitor to sign-in, remembering where they were going', async () => {
		const error = await caught(run(null).result);
		expect(isRedirect(error) && error.location).toBe('/sign-in?redirectTo=%2Fevents%3Fstatus%3DFAILED');
	});

	it('loads the session for a valid key', async () => {
		const data = (await run(READ_KEY).result) as { session: { workspace: { timezone: string }; isAdmin: boolean } };
		expect(data.session.workspace.timezone).toBe('Europe/Berlin');
		expect(data.session.isAdmin).toBe(false);
	});

	it('clears a revoked key and says so on the sign-in page', async () => {
		const { cookies, result } = run('sb_revoked');
		const error = await caught(result);
		expect(isRedirect(error) && error.location).toBe('/sign-in?expired=1&redirectTo=%2Fevents%3Fstatus%3DFAILED');
		expect(cookies.delete).toHaveBeenCalledWith('sb_key', expect.objectContaining({ path: '/' }));
	});

	it('shows a 503 with the reason when the API cannot be reached', async () => {
		process.env.SWITCHBOARD_API_URL = 'http://127.0.0.1:9';
		try {
			const error = await caught(run(READ_KEY).result);
			expect(isHttpError(error, 503)).toBe(true);
			expect((error as { body: { message: string } }).body.message).toContain('could not be reached');
		} finally {
			process.env.SWITCHBOARD_API_URL = server.url;
		}
	});
});
