/**
 * An executable GraphQL schema built from the API's SDL (`schema/schema.graphql`), with resolvers over the fake
 * workspace, served over plain HTTP the way the real API serves the console: Bearer key or the
 * `sb_key` cookie, and the CSRF header required on cookie-authenticated mutations.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { assertValidSchema, buildSchema, type DocumentNode, GraphQLError, type GraphQLSchema, graphql, validate } from 'graphql';
import * as dashboard from '#lib/graphql/dashboard.ts';
import * as events from '#lib/graphql/events.ts';
import * as integrations from '#lib/graphql/integrations.ts';
import * as keys from '#lib/graphql/keys.ts';
import * as session from '#lib/graphql/session.ts';
import { lifecycleOptions, type LifecycleAction } from '#lib/utils/integration-lifecycle.ts';
import type { EventStatus, IntegrationState, IntegrationType } from '#lib/graphql/enums.ts';
import { createFakeWorkspace, type FakeEvent, type FakeIntegration, type FakeKey, type FakeWorkspace } from './fake-data.ts';

/** Every operation the console sends; the schema the fake serves must accept all of them. */
export const CONSOLE_DOCUMENTS: DocumentNode[] = [
	...Object.values(dashboard),
	...Object.values(events),
	...Object.values(integrations),
	...Object.values(keys),
	...Object.values(session)
].filter(
	(d): d is DocumentNode =>
		typeof d === 'object' &&
		d !== null &&
		(d as DocumentNode).kind === 'Document' &&
		// Fragments are validated as part of the operations that spread them.
		(d as DocumentNode).definitions.some((def) => def.kind === 'OperationDefinition')
);

/** GraphQL validation errors of the console's operations against `sdl` (empty when all are valid). */
export function consoleValidationErrors(sdl: string): string[] {
	let schema: GraphQLSchema;
	try {
		schema = buildSchema(sdl);
		assertValidSchema(schema);
	} catch (error) {
		return [(error as Error).message];
	}
	return CONSOLE_DOCUMENTS.flatMap((d) => validate(schema, d).map((e) => e.message));
}

/** The SDL to serve: the API's emitted `schema/schema.graphql`, the one the console's types come from. */
export function schemaSdl(): { sdl: string; source: string } {
	// Paths, not URL objects: under jsdom the global URL is not the one node:fs accepts.
	const source = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../schema/schema.graphql');
	return { sdl: readFileSync(source, 'utf8'), source };
}

export interface FakeContext {
	key: FakeKey;
	viaCookie: boolean;
	csrf: boolean;
}

type Listener = (topic: string, payload: unknown) => void;

/** In-process pub/sub for subscriptions: `iterate` yields every payload published on a topic. */
export class FakePubSub {
	#listeners = new Set<Listener>();
	publish(topic: string, payload: unknown) {
		for (const l of this.#listeners) l(topic, payload);
	}
	iterate<T>(topic: string, filter: (payload: T) => boolean = () => true): AsyncIterableIterator<T> {
		const queue: T[] = [];
		let wake: (() => void) | undefined;
		let done = false;
		const listener: Listener = (t, p) => {
			if (t !== topic || !filter(p as T)) return;
			queue.push(p as T);
			wake?.();
		};
		this.#listeners.add(listener);
		const stop = () => {
			done = true;
			this.#listeners.delete(listener);
			wake?.();
		};
		return {
			[Symbol.asyncIterator]() {
				return this;
			},
			async next(): Promise<IteratorResult<T>> {
				while (!done && queue.length === 0) await new Promise<void>((r) => (wake = r));
				if (queue.length) return { value: queue.shift() as T, done: false };
				return { value: undefined, done: true };
			},
			async return(): Promise<IteratorResult<T>> {
				stop();
				return { value: undefined, done: true };
			}
		};
	}
}

function fail(message: string, code: string): never {
	throw new GraphQLError(message, { extensions: { code } });
}

function requireAdmin(ctx: FakeContext) {
	if (!ctx.key.scopes.includes('ADMIN')) fail('This needs an API key with the ADMIN scope.', 'FORBIDDEN');
	if (ctx.viaCookie && !ctx.csrf) fail('Cookie-authenticated mutations need the x-switchboard-csrf header.', 'FORBIDDEN');
}

function encodeCursor(index: number): string {
	return Buffer.from(`i:${index}`).toString('base64url');
}

function decodeCursor(cursor: string | null | undefined): number {
	if (!cursor) return 0;
	const index = Number(Buffer.from(cursor, 'base64url').toString().slice(2));
	if (!Number.isInteger(index)) fail('Invalid cursor.', 'BAD_USER_INPUT');
	return index;
}

function page<T>(items: T[], first: number | null | undefined, after: string | null | undefined) {
	const size = first ?? 25;
	if (size > 100) fail('`first` may not exceed 100.', 'BAD_USER_INPUT');
	const start = decodeCursor(after);
	const slice = items.slice(start, start + size);
	return {
		edges: slice.map((node, i) => ({ cursor: encodeCursor(start + i + 1), node })),
		pageInfo: { hasNextPage: start + size < items.length, endCursor: slice.length ? encodeCursor(start + slice.length) : null },
		totalCount: items.length,
		totalCountCapped: false
	};
}

interface Range {
	from: string;
	to: string;
}

const inRange = (at: string, range: Range | null | undefined) =>
	!range || (at >= new Date(range.from).toISOString() && at < new Date(range.to).toISOString());

function previous(range: Range): Range {
	const from = new Date(range.from).getTime();
	const to = new Date(range.to).getTime();
	return { from: new Date(from - (to - from)).toISOString(), to: new Date(from).toISOString() };
}

function change(current: number, prev: number): number | null {
	return prev === 0 ? null : ((current - prev) / prev) * 100;
}

interface EventFilterInput {
	integrationId?: string | null;
	types?: IntegrationType[] | null;
	statuses?: EventStatus[] | null;
	eventTypes?: string[] | null;
	errorCodes?: string[] | null;
	range?: Range | null;
	search?: string | null;
}

export interface FakeApi {
	schema: GraphQLSchema;
	data: FakeWorkspace;
	pubsub: FakePubSub;
	/** Where the SDL came from. */
	schemaSource: string;
	/** Execute an operation as the holder of `key` (the path the HTTP handler takes). */
	execute(query: string, variables: Record<string, unknown> | undefined, ctx: FakeContext): ReturnType<typeof graphql>;
	contextFor(headers: Record<string, string | string[] | undefined>): FakeContext | null;
	/** Store a new event and notify subscribers, as the delivery worker would. */
	recordEvent(event: FakeEvent): void;
}

export function createFakeApi(data: FakeWorkspace = createFakeWorkspace()): FakeApi {
	const { sdl, source } = schemaSdl();
	const pubsub = new FakePubSub();
	const integrationById = (id: string) => data.integrations.find((i) => i.id === id) ?? null;
	const typeOf = (e: FakeEvent) => integrationById(e.integrationId)?.type;

	function filterEvents(filter: EventFilterInput | null | undefined): FakeEvent[] {
		const f = filter ?? {};
		return data.events.filter(
			(e) =>
				(!f.integrationId || e.integrationId === f.integrationId) &&
				(!f.types?.length || f.types.includes(typeOf(e) as IntegrationType)) &&
				(!f.statuses?.length || f.statuses.includes(e.status)) &&
				(!f.eventTypes?.length || f.eventTypes.includes(e.eventType)) &&
				(!f.errorCodes?.length || (e.errorCode !== null && f.errorCodes.includes(e.errorCode))) &&
				inRange(e.receivedAt, f.range) &&
				(!f.search || [e.traceId, e.idempotencyKey, e.sourceRecordId, e.destinationRecordId].includes(f.search))
		);
	}

	function health(integration: FakeIntegration, range: Range | null | undefined) {
		const r = range ?? { from: new Date(Date.now() - 24 * 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
		const events = data.events.filter((e) => e.integrationId === integration.id && inRange(e.receivedAt, r));
		const delivered = events.filter((e) => e.status === 'DELIVERED').length;
		const failed = events.filter((e) => e.status === 'FAILED').length;
		const mine = data.events.filter((e) => e.integrationId === integration.id);
		let consecutiveFailures = 0;
		for (const e of mine) {
			if (e.status === 'FAILED' || e.status === 'RETRYING') consecutiveFailures++;
			else if (e.status === 'DELIVERED') break;
		}
		return {
			delivered,
			failed,
			retrying: events.filter((e) => e.status === 'RETRYING').length,
			successRate: (() => {
				const retrying = events.filter((e) => e.status === 'RETRYING').length;
				return delivered + failed + retrying === 0 ? null : delivered / (delivered + failed + retrying);
			})(),
			consecutiveFailures,
			lastEventAt: mine[0]?.receivedAt ?? null,
			lastFailureAt: mine.find((e) => e.status === 'FAILED')?.receivedAt ?? null,
			rateLimit:
				integration.direction === 'OUTBOUND'
					? {
							max: 1000,
							remaining: 240,
							dailyLimit: 50_000,
							dailyRemaining: 31_200,
							retryAfterSeconds: null,
							observedAt: mine[0]?.receivedAt ?? new Date().toISOString()
						}
					: null
		};
	}

	function attempts(e: FakeEvent) {
		const integration = integrationById(e.integrationId);
		return Array.from({ length: e.attemptCount }, (_, i) => {
			const last = i === e.attemptCount - 1;
			const failed = !(last && e.status === 'DELIVERED');
			const timeout = failed && e.errorCode === 'TIMEOUT';
			const code = failed ? Number(e.errorCode) || 500 : 201;
			return {
				id: `${e.id}_a${i + 1}`,
				attemptNumber: i + 1,
				startedAt: new Date(new Date(e.receivedAt).getTime() + i * 5000 + 100).toISOString(),
				durationMs: timeout ? 30_000 : 180 + i * 20,
				request: {
					method: 'POST',
					url: integration?.destinationUrl ?? 'https://hooks.example.com/in',
					headers: [
						{ name: 'content-type', value: 'application/json' },
						{ name: 'authorization', value: '[redacted]' },
						{ name: 'webhook-id', value: e.idempotencyKey ?? e.id },
						{ name: 'x-trace-id', value: e.traceId }
					],
					body: e.payload == null ? null : JSON.stringify(e.payload)
				},
				response: timeout
					? null
					: {
							statusCode: code,
							headers: [
								{ name: 'content-type', value: 'application/json' },
								{ name: 'x-ratelimit-max', value: '1000' },
								{ name: 'x-ratelimit-remaining', value: String(240 - i) },
								{ name: 'x-ratelimit-limit-daily', value: '50000' },
								{ name: 'x-ratelimit-daily-remaining', value: '31200' },
								...(code === 429 ? [{ name: 'retry-after', value: '30' }] : [])
							],
							body: failed
								? JSON.stringify({ success: false, error: e.errorMessage })
								: JSON.stringify({ success: true, id: e.destinationRecordId })
						},
				errorCode: failed ? e.errorCode : null,
				errorMessage: failed ? e.errorMessage : null,
				rateLimit: timeout
					? null
					: {
							max: 1000,
							remaining: 240 - i,
							dailyLimit: 50_000,
							dailyRemaining: 31_200,
							retryAfterSeconds: code === 429 ? 30 : null,
							observedAt: e.receivedAt
						}
			};
		});
	}

	function transition(ctx: FakeContext, id: string, action: LifecycleAction, reason?: string | null) {
		requireAdmin(ctx);
		const integration = integrationById(id) ?? fail('Integration not found.', 'NOT_FOUND');
		const option = lifecycleOptions(integration.state).find((o) => o.action === action);
		if (!option?.enabled) fail(`Cannot ${action} an integration that is ${integration.state}.`, 'INVALID_TRANSITION');
		const to: IntegrationState = action === 'pause' ? 'PAUSED' : action === 'disconnect' ? 'DISCONNECTED' : 'ACTIVE';
		const at = new Date().toISOString();
		integration.stateHistory.push({ from: integration.state, to, reason: reason ?? null, actor: ctx.key.name, at });
		integration.state = to;
		integration.stateReason = reason ?? null;
		integration.updatedAt = at;
		pubsub.publish('integrationStateChanged', integration);
		return { integration };
	}

	const schema = makeExecutableSchema({
		typeDefs: sdl,
		resolverValidationOptions: { requireResolversToMatchSchema: 'ignore' },
		resolvers: {
			Node: {
				__resolveType: (obj: { id: string }) => (obj.id.startsWith('int_') ? 'Integration' : obj.id.startsWith('evt_') ? 'Event' : null)
			},
			Query: {
				node: (_: unknown, { id }: { id: string }) => integrationById(id) ?? data.events.find((e) => e.id === id) ?? null,
				viewer: () => data.workspace,
				currentApiKey: (_: unknown, __: unknown, ctx: FakeContext) => ({
					...ctx.key,
					createdAt: data.integrations[0]?.installedAt,
					lastUsedAt: null,
					revokedAt: null
				}),
				integrations: (
					_: unknown,
					args: {
						filter?: { types?: IntegrationType[]; states?: IntegrationState[]; provider?: string; environment?: string; search?: string };
						first?: number;
						after?: string;
					}
				) => {
					const f = args.filter ?? {};
					const list = data.integrations.filter(
						(i) =>
							(!f.types?.length || f.types.includes(i.type)) &&
							(!f.states?.length || f.states.includes(i.state)) &&
							(!f.provider || i.provider === f.provider) &&
							(!f.environment || i.environment === f.environment) &&
							(!f.search || i.name.toLowerCase().includes(f.search.toLowerCase()))
					);
					return page(list, args.first, args.after);
				},
				integration: (_: unknown, { id }: { id: string }) => integrationById(id),
				events: (_: unknown, args: { filter?: EventFilterInput; first?: number; after?: string; orderBy?: string }) => {
					const list = filterEvents(args.filter);
					return page(args.orderBy === 'RECEIVED_AT_ASC' ? [...list].reverse() : list, args.first, args.after);
				},
				event: (_: unknown, { id }: { id: string }) => data.events.find((e) => e.id === id) ?? null,
				overview: (_: unknown, { range }: { range: Range }) => {
					const count = (r: Range, type: IntegrationType | null, status: EventStatus) =>
						data.events.filter((e) => e.status === status && inRange(e.receivedAt, r) && (!type || typeOf(e) === type)).length;
					const prev = previous(range);
					const types: IntegrationType[] = ['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT', 'CUSTOM_NODE', 'CUSTOM_EVENT'];
					return {
						from: range.from,
						to: range.to,
						succeeded: count(range, null, 'DELIVERED'),
						failed: count(range, null, 'FAILED'),
						retrying: count(range, null, 'RETRYING'),
						inFlight: count(range, null, 'RECEIVED') + count(range, null, 'PROCESSING'),
						held: 0,
						successRate: (() => {
							const d = count(range, null, 'DELIVERED');
							const all = d + count(range, null, 'FAILED') + count(range, null, 'RETRYING');
							return all === 0 ? null : d / all;
						})(),
						byType: types.map((type) => {
							const s = count(range, type, 'DELIVERED');
							const f = count(range, type, 'FAILED');
							const r = count(range, type, 'RETRYING');
							const ps = count(prev, type, 'DELIVERED');
							const pf = count(prev, type, 'FAILED');
							const pr = count(prev, type, 'RETRYING');
							return {
								type,
								succeeded: s,
								failed: f,
								retrying: r,
								previousSucceeded: ps,
								previousFailed: pf,
								previousRetrying: pr,
								succeededChange: change(s, ps),
								failedChange: change(f, pf),
								failing: f + r,
								previousFailing: pf + pr,
								failingChange: change(f + r, pf + pr)
							};
						})
					};
				},
				failuresByErrorCode: (
					_: unknown,
					{ range, types, integrationId }: { range: Range; types?: IntegrationType[]; integrationId?: string }
				) => {
					const failed = filterEvents({ range, types, integrationId, statuses: ['FAILED'] });
					const counts = new Map<string, number>();
					for (const e of failed) if (e.errorCode) counts.set(e.errorCode, (counts.get(e.errorCode) ?? 0) + 1);
					return [...counts].map(([code, count]) => {
						const entry = data.catalog.find((c) => c.code === code);
						return {
							code,
							label: entry?.label ?? code,
							category: entry?.category ?? 'SERVER',
							count,
							retrying: 0,
							share: count / failed.length
						};
					});
				},
				trends: (_: unknown, { range, bucket, types }: { range: Range; bucket: 'HOUR' | 'DAY'; types?: IntegrationType[] }) => {
					const size = bucket === 'HOUR' ? 3_600_000 : 86_400_000;
					const start = Math.floor(new Date(range.from).getTime() / size) * size;
					const end = new Date(range.to).getTime();
					const list = types?.length
						? types
						: (['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT', 'CUSTOM_NODE', 'CUSTOM_EVENT'] as IntegrationType[]);
					return list.map((type) => {
						const points = [];
						for (let t = start; t < end; t += size) {
							const r = { from: new Date(t).toISOString(), to: new Date(t + size).toISOString() };
							const events = data.events.filter((e) => typeOf(e) === type && inRange(e.receivedAt, r));
							points.push({
								bucketStart: r.from,
								succeeded: events.filter((e) => e.status === 'DELIVERED').length,
								failed: events.filter((e) => e.status === 'FAILED').length,
								retrying: events.filter((e) => e.status === 'RETRYING').length,
								partial: t + size > Date.now()
							});
						}
						return { type, points };
					});
				},
				failureGroups: (
					_: unknown,
					{ range, types, first, after }: { range: Range; types?: IntegrationType[]; first?: number; after?: string }
				) => {
					const groups = new Map<string, { integration: FakeIntegration; errorCode: string; events: FakeEvent[] }>();
					for (const e of filterEvents({ range, types, statuses: ['FAILED'] })) {
						const key = `${e.integrationId}:${e.errorCode}`;
						const group = groups.get(key) ?? {
							integration: integrationById(e.integrationId) as FakeIntegration,
							errorCode: e.errorCode ?? 'UNKNOWN',
							events: []
						};
						group.events.push(e);
						groups.set(key, group);
					}
					const list = [...groups.values()]
						.map((g) => ({
							integration: g.integration,
							errorCode: g.errorCode,
							description: data.catalog.find((c) => c.code === g.errorCode)?.label ?? g.errorCode,
							service: g.integration.service,
							flow: g.integration.flow,
							totalErrors: g.events.length,
							retrying: 0,
							firstSeenAt: g.events[g.events.length - 1]?.receivedAt,
							lastSeenAt: g.events[0]?.receivedAt
						}))
						.sort((a, b) => b.totalErrors - a.totalErrors);
					return page(list, first, after);
				},
				errorCatalog: (_: unknown, { code, type }: { code?: string; type?: IntegrationType }) =>
					data.catalog
						.filter((c) => !code || c.code === code)
						.flatMap((c) =>
							(['INBOUND_WEBHOOK', 'OUTBOUND_WEBHOOK', 'PREBUILT', 'CUSTOM_NODE', 'CUSTOM_EVENT'] as IntegrationType[])
								.filter((t) => !type || t === type)
								.map((t) => ({
									code: c.code,
									label: c.label,
									category: c.category,
									type: t,
									applicable: Boolean(c.guidance[t]),
									retryable: c.retryable,
									guidance: c.guidance[t] ?? null
								}))
						),
				apiKeys: () => data.keys.map((k) => ({ ...k, createdAt: new Date(0).toISOString(), lastUsedAt: null, revokedAt: null }))
			},
			Mutation: {
				pauseIntegration: (_: unknown, a: { id: string; reason?: string }, ctx: FakeContext) => transition(ctx, a.id, 'pause', a.reason),
				resumeIntegration: (_: unknown, a: { id: string }, ctx: FakeContext) => transition(ctx, a.id, 'resume'),
				reconnectIntegration: (_: unknown, a: { id: string }, ctx: FakeContext) => transition(ctx, a.id, 'reconnect'),
				disconnectIntegration: (_: unknown, a: { id: string; reason?: string }, ctx: FakeContext) =>
					transition(ctx, a.id, 'disconnect', a.reason),
				sendTestEvent: (
					_: unknown,
					{ integrationId, eventType, payload }: { integrationId: string; eventType: string; payload?: unknown },
					ctx: FakeContext
				) => {
					requireAdmin(ctx);
					const integration = integrationById(integrationId) ?? fail('Integration not found.', 'NOT_FOUND');
					if (integration.state === 'DISCONNECTED') fail('A disconnected integration accepts no events.', 'INVALID_TRANSITION');
					const now = new Date().toISOString();
					const event: FakeEvent = {
						id: `evt_t${Date.now()}`,
						integrationId,
						eventType,
						status: 'RECEIVED',
						source: 'USER',
						sourceRecordId: null,
						destinationRecordId: null,
						idempotencyKey: null,
						traceId: `trace-test-${Date.now()}`,
						receivedAt: now,
						updatedAt: now,
						deliveredAt: null,
						attemptCount: 0,
						nextAttemptAt: null,
						errorCode: null,
						errorMessage: null,
						payload: payload ?? null
					};
					data.events.unshift(event);
					return event;
				},
				rotateSigningSecret: (_: unknown, { id }: { id: string }, ctx: FakeContext) => {
					requireAdmin(ctx);
					const integration = integrationById(id) ?? fail('Integration not found.', 'NOT_FOUND');
					return { integration, signingSecret: `whsec_${Buffer.from(String(Math.random())).toString('base64')}` };
				},
				replayEvent: (_: unknown, { id }: { id: string }, ctx: FakeContext) => {
					requireAdmin(ctx);
					const original = data.events.find((e) => e.id === id) ?? fail('Event not found.', 'NOT_FOUND');
					const now = new Date().toISOString();
					const copy: FakeEvent = {
						...original,
						id: `evt_r${Date.now()}`,
						status: 'RECEIVED',
						receivedAt: now,
						updatedAt: now,
						attemptCount: 0,
						deliveredAt: null,
						errorCode: null,
						errorMessage: null,
						nextAttemptAt: null
					};
					data.events.unshift(copy);
					return copy;
				}
			},
			Subscription: {
				failureOccurred: {
					subscribe: () => pubsub.iterate<FakeEvent>('event', (e) => e.status === 'FAILED' || e.status === 'RETRYING'),
					resolve: (e: FakeEvent) => e
				},
				eventStatusChanged: {
					subscribe: (_: unknown, { filter }: { filter?: { integrationId?: string } }) =>
						pubsub.iterate<FakeEvent>('event', (e) => !filter?.integrationId || e.integrationId === filter.integrationId),
					resolve: (e: FakeEvent) => e
				},
				integrationStateChanged: {
					subscribe: (_: unknown, { integrationId }: { integrationId?: string }) =>
						pubsub.iterate<FakeIntegration>('integrationStateChanged', (i) => !integrationId || i.id === integrationId),
					resolve: (i: FakeIntegration) => i
				}
			},
			Integration: {
				health: (i: FakeIntegration, { range }: { range?: Range }) => health(i, range),
				ingestUrl: (i: FakeIntegration) => (i.type === 'INBOUND_WEBHOOK' ? `http://127.0.0.1:4000/ingest/${i.id}` : null),
				events: (i: FakeIntegration, args: { filter?: EventFilterInput; first?: number; after?: string }) =>
					page(filterEvents({ ...args.filter, integrationId: i.id }), args.first, args.after)
			},
			Event: {
				integration: (e: FakeEvent) => integrationById(e.integrationId),
				payloadExpired: (e: FakeEvent) => Date.now() - new Date(e.receivedAt).getTime() > 7 * 86_400_000,
				attempts: (e: FakeEvent) => attempts(e),
				statusHistory: (e: FakeEvent) => {
					const history: { from: EventStatus | null; to: EventStatus; at: string; reason: string | null }[] = [
						{ from: null, to: 'RECEIVED', at: e.receivedAt, reason: null }
					];
					if (e.status !== 'RECEIVED')
						history.push({
							from: 'RECEIVED',
							to: 'PROCESSING',
							at: new Date(new Date(e.receivedAt).getTime() + 100).toISOString(),
							reason: null
						});
					if (e.status !== 'RECEIVED' && e.status !== 'PROCESSING')
						history.push({ from: 'PROCESSING', to: e.status, at: e.updatedAt, reason: e.errorMessage });
					return history;
				}
			}
		}
	});

	function contextFor(headers: Record<string, string | string[] | undefined>): FakeContext | null {
		const header = (name: string) => {
			const v = headers[name];
			return Array.isArray(v) ? v[0] : v;
		};
		const bearer = header('authorization')?.replace(/^Bearer\s+/i, '');
		const cookie = /(?:^|;\s*)sb_key=([^;]+)/.exec(header('cookie') ?? '')?.[1];
		const value = bearer ?? (cookie ? decodeURIComponent(cookie) : undefined);
		const key = data.keys.find((k) => k.key === value);
		if (!key) return null;
		return { key, viaCookie: !bearer, csrf: header('x-switchboard-csrf') === '1' };
	}

	return {
		schema,
		data,
		pubsub,
		schemaSource: source,
		execute: (query, variables, ctx) => graphql({ schema, source: query, variableValues: variables, contextValue: ctx }),
		contextFor,
		recordEvent(event) {
			const index = data.events.findIndex((e) => e.id === event.id);
			if (index >= 0) data.events[index] = event;
			else data.events.unshift(event);
			pubsub.publish('event', event);
		}
	};
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

/** Handles `/graphql` (POST) and `/v1/demo`; anything else is 404. */
export function fakeApiHandler(api: FakeApi, options: { demo?: boolean } = {}) {
	return async (req: IncomingMessage, res: ServerResponse) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (url.pathname === '/v1/demo' && req.method === 'GET') {
			if (!options.demo) return send(res, 404, { error: 'not in demo mode' });
			return send(res, 200, { adminKey: api.data.keys.find((k) => k.scopes.includes('ADMIN'))?.key });
		}
		if (url.pathname !== '/graphql' || req.method !== 'POST') return send(res, 404, { error: 'not found' });
		const ctx = api.contextFor(req.headers);
		if (!ctx) return send(res, 401, { errors: [{ message: 'A valid API key is required.', extensions: { code: 'UNAUTHENTICATED' } }] });
		let body: { query?: string; variables?: Record<string, unknown> };
		try {
			body = JSON.parse(await readBody(req));
		} catch {
			return send(res, 400, { errors: [{ message: 'Malformed JSON body.', extensions: { code: 'BAD_USER_INPUT' } }] });
		}
		const result = await api.execute(body.query ?? '', body.variables, ctx);
		send(res, 200, result);
	};
}

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

/** Paths that belong to the API; everything else is the console (as in the real server). */
export function isApiPath(pathname: string): boolean {
	return pathname === '/graphql' || /^\/(ingest|v1)\//.test(pathname) || ['/healthz', '/readyz', '/metrics'].includes(pathname);
}

export async function startFakeApi(
	options: { port?: number; demo?: boolean; api?: FakeApi; console?: NodeHandler } = {}
): Promise<{ url: string; api: FakeApi; server: Server; close(): Promise<void> }> {
	const api = options.api ?? createFakeApi();
	const apiHandler = fakeApiHandler(api, { demo: options.demo });
	const consoleHandler = options.console;
	const server = createServer((req, res) => {
		const { pathname } = new URL(req.url ?? '/', 'http://localhost');
		if (!consoleHandler || isApiPath(pathname)) return void apiHandler(req, res);
		consoleHandler(req, res, () => send(res, 404, { error: 'not found' }));
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		api,
		server,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
