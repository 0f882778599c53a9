import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeApi } from '#lib/testing/fake-api.ts';
import { ADMIN_KEY, READ_KEY } from '#lib/testing/fake-data.ts';
import { ApiError, fetchDemoKey } from './api.ts';
import { loadSession, safeRedirectTarget } from './session.ts';

let server: Awaited<ReturnType<typeof startFakeApi>>;
const previousUrl = process.env.SWITCHBOARD_API_URL;

beforeAll(async () => {
	server = await startFakeApi({ demo: true });
	process.env.SWITCHBOARD_API_URL = server.url;
});
afterAll(async () => {
	process.env.SWITCHBOARD_API_URL = previousUrl;
	await server.close();
});

describe('sign-in session', () => {
	it('loads the workspace and scopes of a key', async () => {
		expect(await loadSession(READ_KEY)).toEqual({
			workspace: { id: 'ws_demo', name: 'Acme (demo)', timezone: 'Europe/Berlin' },
			key: { name: 'Dashboard reader', prefix: 'sb_test_rea', scopes: ['READ'] },
			scopes: ['READ'],
			isAdmin: false
		});
		expect((await loadSession(ADMIN_KEY)).isAdmin).toBe(true);
	});

	it('rejects an unknown key as UNAUTHENTICATED', async () => {
		const error = await loadSession('sb_nope').catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ApiError);
		expect((error as ApiError).code).toBe('UNAUTHENTICATED');
	});

	it('reads the demo key when the server is in demo mode', async () => {
		expect(await fetchDemoKey()).toBe(ADMIN_KEY);
	});

	it('only redirects to paths on this site', () => {
		expect(safeRedirectTarget('/events?status=FAILED')).toBe('/events?status=FAILED');
		for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', '', null, '/sign-in?x=1']) {
			expect(safeRedirectTarget(bad)).toBe('/');
		}
	});
});
