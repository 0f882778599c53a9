import {
  attemptsOfEvents,
  encodeId,
  Event,
  type EventFilter,
  type EventKeyset,
  type EventStatusChange,
  findEvent,
  countEvents,
  findIntegration,
  type LastAttemptSummary,
  lastAttemptsOfEvents,
  listEvents,
  MAX_LOG_COUNT,
  payloadsOfEvents,
} from '@switchboard/db';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { assertTimestampPart, assertUuidPart, decodeCursor, encodeCursor, pageSize } from '../pagination.ts';
import { rowId, workspaceIdOf } from '../viewer.ts';
import { DeliveryAttemptRef } from './delivery-attempt.ts';
import { EventOrderEnum, EventStatusEnum, IntegrationTypeEnum, TimeRangeInput, TriggerSourceEnum } from './enums.ts';
import { IntegrationRef } from './integration.ts';

const EventStatusChangeRef = builder.objectRef<EventStatusChange>('EventStatusChange').implement({
  fields: (t) => ({
    from: t.field({ type: EventStatusEnum, nullable: true, resolve: (c) => c.from ?? null }),
    to: t.field({ type: EventStatusEnum, resolve: (c) => c.to }),
    at: t.field({ type: 'DateTime', resolve: (c) => c.at }),
    reason: t.string({ nullable: true, resolve: (c) => c.reason ?? null }),
  }),
});

const LastAttemptRef = builder.objectRef<LastAttemptSummary>('LastAttempt').implement({
  description: "The event's latest delivery attempt, in brief (the log's columns); `attempts` has the full exchange.",
  fields: (t) => ({
    attemptNumber: t.exposeInt('attemptNumber'),
    method: t.exposeString('method'),
    url: t.exposeString('url'),
    statusCode: t.int({ nullable: true, description: 'Null when no response arrived.', resolve: (a) => a.statusCode }),
    errorCode: t.string({ nullable: true, resolve: (a) => a.errorCode }),
    startedAt: t.field({ type: 'DateTime', resolve: (a) => a.startedAt }),
  }),
});

export const EventRef = builder.objectRef<Event>('Event').implement({
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: (value) => value instanceof Event,
  fields: (t) => ({
    id: t.id({ resolve: (e) => encodeId('Event', e.id) }),
    integration: t.field({ type: IntegrationRef, resolve: (e) => e.integration.id }),
    eventType: t.exposeString('eventType'),
    status: t.field({ type: EventStatusEnum, resolve: (e) => e.status }),
    source: t.field({ type: TriggerSourceEnum, resolve: (e) => e.source }),
    sourceRecordId: t.string({ nullable: true, resolve: (e) => e.sourceRecordId ?? null }),
    destinationRecordId: t.string({ nullable: true, resolve: (e) => e.destinationRecordId ?? null }),
    idempotencyKey: t.string({ nullable: true, resolve: (e) => e.idempotencyKey ?? null }),
    traceId: t.exposeString('traceId'),
    isTest: t.exposeBoolean('isTest', { description: 'Created by sendTestEvent.' }),
    receivedAt: t.field({ type: 'DateTime', resolve: (e) => e.receivedAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (e) => e.updatedAt }),
    deliveredAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.deliveredAt ?? null }),
    attemptCount: t.exposeInt('attemptCount'),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => e.nextAttemptAt ?? null }),
    errorCode: t.string({ nullable: true, resolve: (e) => e.errorCode ?? null }),
    errorMessage: t.string({ nullable: true, resolve: (e) => e.errorMessage ?? null }),
    payload: t.loadable({
      type: 'JSON',
      nullable: true,
      description: 'Null once expired.',
      load: async (ids: string[], ctx: GraphQLContext) => {
        const payloads = await payloadsOfEvents(ctx.em, ids);
        return ids.map((id) => payloads.get(id) ?? null);
      },
      resolve: (e) => e.id,
    }),
    payloadExpired: t.exposeBoolean('payloadExpired'),
    attempts: t.loadableGroup({
      type: DeliveryAttemptRef,
      description: 'Every delivery attempt, in order (replays keep earlier ones).',
      load: (ids: string[], ctx: GraphQLContext) => attemptsOfEvents(ctx.em, ids),
      group: (a) => a.event.id,
      resolve: (e) => e.id,
    }),
    statusHistory: t.field({ type: [EventStatusChangeRef], resolve: (e) => e.statusHistory ?? [] }),
    lastAttempt: t.loadable({
      type: LastAttemptRef,
      nullable: true,
      description: 'Null when no request was made (yet).',
      load: async (ids: string[], ctx: GraphQLContext) => {
        const last = await lastAttemptsOfEvents(ctx.em, ids);
        return ids.map((id) => last.get(id) ?? null);
      },
      resolve: (e) => e.id,
    }),
  }),
});

export const EventFilterInput = builder.inputType('EventFilter', {
  fields: (t) => ({
    integrationId: t.id(),
    types: t.field({ type: [IntegrationTypeEnum] }),
    statuses: t.field({ type: [EventStatusEnum] }),
    eventTypes: t.stringList(),
    errorCodes: t.stringList(),
    range: t.field({ type: TimeRangeInput }),
    eventTypePrefix: t.string({ description: 'Event types starting with this, e.g. "order." for order.created and order.paid.' }),
    httpStatuses: t.intList({ description: "HTTP status of the event's last attempt." }),
    methods: t.stringList({ description: "HTTP method of the event's last attempt." }),
    search: t.string({
      description:
        'An event id (evt_…, the webhook-id receivers see), a trace id (any case), an idempotency key, a source or destination record id; or `key = value` (dotted paths, e.g. customer.email = grace@example.com) or a JSON object, matched inside payloads (kept for the payload retention window).',
    }),
  }),
});

type EventFilterArg = typeof EventFilterInput.$inferInput;

/** The db filter for a GraphQL one; an integrationId that is malformed or foreign matches nothing. */
export async function eventFilterOf(ctx: GraphQLContext, f: EventFilterArg | null | undefined): Promise<EventFilter> {
  const out: EventFilter = {
    types: f?.types,
    statuses: f?.statuses,
    eventTypes: f?.eventTypes,
    errorCodes: f?.errorCodes,
    range: f?.range ?? null,
    eventTypePrefix: f?.eventTypePrefix,
    httpStatuses: f?.httpStatuses,
    methods: f?.methods,
    search: f?.search,
  };
  if (f?.integrationId != null) {
    const id = rowId('Integration', f.integrationId);
    const found = id ? await findIntegration(ctx.em, workspaceIdOf(ctx), id) : null;
    // No such integration here: a filter that matches nothing (never another workspace's rows).
    out.integrationId = found ? found.id : '00000000-0000-0000-0000-000000000000';
  }
  return out;
}

/** What eventPage returns beside edges: the filter's match count, asked for only when the field is selected. */
interface EventConnectionExtras {
  count: () => Promise<number>;
}
const extrasOf = (c: unknown) => c as EventConnectionExtras;

export const EventConnection = builder.connectionObject({
  type: EventRef,
  name: 'EventConnection',
  fields: (t) => ({
    totalCount: t.int({
      description: `Events matching the filter, all pages: exact up to ${MAX_LOG_COUNT.toLocaleString('en-US')}; past it, ${(MAX_LOG_COUNT + 1).toLocaleString('en-US')} (see totalCountCapped).`,
      resolve: (c) => extrasOf(c).count(),
    }),
    totalCountCapped: t.boolean({
      description: `More than ${MAX_LOG_COUNT.toLocaleString('en-US')} events match: totalCount stopped counting.`,
      resolve: async (c) => (await extrasOf(c).count()) > MAX_LOG_COUNT,
    }),
  }),
});

export async function eventPage(
  ctx: GraphQLContext,
  filter: EventFilter,
  order: 'RECEIVED_AT_DESC' | 'RECEIVED_AT_ASC',
  firstArg: number | null | undefined,
  afterArg: string | null | undefined,
) {
  const first = pageSize(firstArg);
  let after: EventKeyset | null = null;
  if (afterArg) {
    const [receivedAt, id] = decodeCursor<[string, string]>(afterArg, 'ss');
    after = { receivedAt: assertTimestampPart(receivedAt), id: assertUuidPart(id) };
  }
  const page = await listEvents(ctx.em, workspaceIdOf(ctx), filter, order, first, after);
  let counted: Promise<number> | undefined;
  const count = () => {
    counted ??= countEvents(ctx.em, workspaceIdOf(ctx), filter, MAX_LOG_COUNT + 1);
    return counted;
  };
  const edges = page.items.map(({ event, key }) => ({ cursor: encodeCursor([key.receivedAt, key.id]), node: event }));
  return {
    edges,
    count,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const pageComplexity = (args: { first?: number | null }) => ({ field: 1, multiplier: args.first ?? 25 });

builder.queryFields((t) => ({
  events: t.field({
    type: EventConnection,
    authScopes: { read: true },
    complexity: pageComplexity,
    args: {
      filter: t.arg({ type: EventFilterInput }),
      first: t.arg.int(),
      after: t.arg.string(),
      orderBy: t.arg({ type: EventOrderEnum, defaultValue: 'RECEIVED_AT_DESC' }),
    },
    resolve: async (_root, args, ctx) =>
      eventPage(ctx, await eventFilterOf(ctx, args.filter), args.orderBy ?? 'RECEIVED_AT_DESC', args.first, args.after),
  }),
  event: t.field({
    type: EventRef,
    nullable: true,
    description: 'Null when no event of this workspace has the ID.',
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => {
      const id = rowId('Event', args.id);
      return id ? findEvent(ctx.em, workspaceIdOf(ctx), id) : null;
    },
  }),
}));

builder.objectField(IntegrationRef, 'events', (t) =>
  t.field({
    type: EventConnection,
    description: "This integration's events, newest first.",
    complexity: pageComplexity,
    args: { filter: t.arg({ type: EventFilterInput }), first: t.arg.int(), after: t.arg.string() },
    resolve: async (integration, args, ctx) => {
      const filter = await eventFilterOf(ctx, args.filter);
      // The parent's id wins: a filter naming another integration yields nothing rather than widening.
      const integrationId =
        filter.integrationId && filter.integrationId !== integration.id ? '00000000-0000-0000-0000-000000000000' : integration.id;
      return eventPage(ctx, { ...filter, integrationId }, 'RECEIVED_AT_DESC', args.first, args.after);
    },
  }),
);

/** The filter of the live event subscriptions (declared here beside EventFilter; used by the live-updates issue). */
export const EventSubscriptionFilterInput = builder.inputType('EventSubscriptionFilter', {
  fields: (t) => ({
    integrationId: t.id(),
    types: t.field({ type: [IntegrationTypeEnum] }),
    statuses: t.field({ type: [EventStatusEnum] }),
  }),
});
