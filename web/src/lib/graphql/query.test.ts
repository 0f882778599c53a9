import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, fetchExchange } from '@urql/core';
import { OverviewQuery } from '#lib/graphql/dashboard.ts';
import { EventListQuery } from '#lib/graphql/events.ts';
import { IntegrationDetailQuery, PauseIntegrationMutation, ResumeIntegrationMutation } from '#lib/graphql/integrations.ts';
import { SessionQuery } from '#lib/graphql/session.ts';
import { browserClientFor } from '#lib/testing/browser-client.ts';
import { consoleValidationErrors, schemaSdl, startFakeApi } from '#lib/testing/fake-api.ts';
import { ADMIN_KEY, READ_KEY } from '#lib/testing/fake-data.ts';
import { describeError } from '#lib/utils/errors.ts';

// Real urql (the console's own client and exchanges) over real HTTP against an executable schema
// built from the API's SDL with @graphql-tools/schema; only the resolvers are ours.
let server: Awaited<ReturnType<typeof startFakeApi>>;

beforeAll(async () => {
	server = await startFakeApi();
});
afterAll(() => server.close());

describe('console documents', () => {
	it('are all valid against the API schema', () => {
		expect(consoleValidationErrors(schemaSdl().sdl)).toEqual([]);
	});
});

describe('urql client against the executable schema', () => {
	it('loads the session with the cookie the browser holds', async () => {
		const client = browserClientFor(server.url, READ_KEY);
		const result = await client.query(SessionQuery, {}).toPromise();
		expect(result.error).toBeUndefined();
		expect(result.data?.viewer).toMatchObject({ id: 'ws_demo', name: 'Acme (demo)', timezone: 'Europe/Berlin' });
		expect(result.data?.currentApiKey?.scopes).toEqual(['READ']);
	});

	it('runs the dashboard overview with typed results: all five types, changes null without a previous period', async () => {
		const client = browserClientFor(server.url, READ_KEY);
		const to = new Date(Date.now() + 60_000);
		const range = { from: new Date(to.getTime() - 7 * 86_400_000).toISOString(), to: to.toISOString() };
		const result = await client.query(OverviewQuery, { range }).toPromise();
		expect(result.error).toBeUndefined();
		const overview = result.data?.overview;
		expect(overview?.byType.map((t) => t.type)).toEqual(['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT', 'CUSTOM_NODE', 'CUSTOM_EVENT']);
		const failed = server.api.data.events.filter(
			(e) => e.status === 'FAILED' && e.receivedAt >= range.from && e.receivedAt < range.to
		).length;
		expect(overview?.failed).toBe(failed);
		expect(result.data?.failuresByErrorCode.reduce((sum, c) => sum + c.count, 0)).toBe(failed);
		for (const t of overview?.byType ?? []) {
			if (t.previousFailed === 0) expect(t.failedChange).toBeNull();
		}
	});

	it('pages the event log with keyset cursors and filters', async () => {
		const client = browserClientFor(server.url, READ_KEY);
		const filter = { statuses: ['FAILED' as const], errorCodes: ['429'] };
		const first = await client.query(EventListQuery, { filter, first: 5, after: null }).toPromise();
		const page1 = first.data?.events;
		expect(page1?.edges).toHaveLength(5);
		expect(page1?.edges.every((e) => e.node.status === 'FAILED' && e.node.errorCode === '429')).toBe(true);
		const second = await client.query(EventListQuery, { filter, first: 5, after: page1?.pageInfo.endCursor ?? null }).toPromise();
		const ids = new Set(page1?.edges.map((e) => e.node.id));
		expect(second.data?.events.edges.some((e) => ids.has(e.node.id))).toBe(false);
	});

	it('sends the CSRF header with cookie-authenticated mutations, which the API requires', async () => {
		const client = browserClientFor(server.url, ADMIN_KEY);
		const paused = await client.mutation(PauseIntegrationMutation, { id: 'int_hubspot', reason: 'maintenance' }).toPromise();
		expect(paused.error).toBeUndefined();
		expect(paused.data?.pauseIntegration.integration.state).toBe('PAUSED');
		expect(paused.data?.pauseIntegration.integration.stateHistory.at(-1)).toMatchObject({
			from: 'ACTIVE',
			to: 'PAUSED',
			reason: 'maintenance',
			actor: 'Demo admin'
		});

		// The same request without the header — what a cross-site form could send — is refused.
		const bare = new Client({
			url: `${server.url}/graphql`,
			exchanges: [fetchExchange],
			preferGetMethod: false,
			fetch: (input, init) =>
				fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), cookie: `sb_key=${ADMIN_KEY}` } })
		});
		const refused = await bare.mutation(ResumeIntegrationMutation, { id: 'int_hubspot' }).toPromise();
		expect(describeError(refused.error).code).toBe('FORBIDDEN');

		const resumed = await client.mutation(ResumeIntegrationMutation, { id: 'int_hubspot' }).toPromise();
		expect(resumed.data?.resumeIntegration.integration.state).toBe('ACTIVE');
	});

	it('surfaces the server’s message and code for an invalid transition and for a READ key', async () => {
		const admin = browserClientFor(server.url, ADMIN_KEY);
		const invalid = await admin.mutation(ResumeIntegrationMutation, { id: 'int_hubspot' }).toPromise();
		expect(describeError(invalid.error)).toMatchObject({
			code: 'INVALID_TRANSITION',
			message: 'Cannot resume an integration that is ACTIVE.'
		});

		const reader = browserClientFor(server.url, READ_KEY);
		const forbidden = await reader.mutation(PauseIntegrationMutation, { id: 'int_hubspot' }).toPromise();
		expect(describeError(forbidden.error).code).toBe('FORBIDDEN');
		const detail = await reader.query(IntegrationDetailQuery, { id: 'int_hubspot' }).toPromise();
		expect(detail.data?.integration?.state).toBe('ACTIVE');
	});

	it('reports an unreachable API as a network problem, not a crash', async () => {
		const client = browserClientFor('http://127.0.0.1:9', READ_KEY);
		const result = await client.query(SessionQuery, {}).toPromise();
		expect(describeError(result.error)).toMatchObject({ network: true });
	});
});
