// Live updates over graphql-ws. Every subscription is confined to the caller's workspace first (the
// bus carries all workspaces' changes), then narrowed by its arguments; the message carries IDs only
// and the event or integration is loaded fresh, in the caller's workspace, for each delivery.
import { Event, findIntegrationsByIds, type IntegrationType } from '@switchboard/db';
import { filter, pipe } from '@graphql-yoga/subscription';
import DataLoader from 'dataloader';
import { builder } from '../builder.ts';
import type { EventChangedMessage, GraphQLContext, IntegrationStateMessage } from '../context.ts';
import { rowId, workspaceIdOf } from '../viewer.ts';
import { EventRef, EventSubscriptionFilterInput } from './event.ts';
import { IntegrationTypeEnum } from './enums.ts';
import { IntegrationRef } from './integration.ts';

/** An ID argument that names no integration of ours matches nothing (never "everything"). */
const NO_MATCH = '00000000-0000-0000-0000-000000000000';

function integrationArg(id: string | null | undefined): string | null {
  if (id == null) return null;
  return rowId('Integration', id) ?? NO_MATCH;
}

/**
 * One load per change, shared by every subscriber that receives it (1,000 subscribers of a failure
 * cost one query, not 1,000). Keyed by the change itself, so a later change loads anew; entries live
 * a few seconds. The workspace check stays per subscriber (the bus filter already ran; this is the
 * second lock). Each subscriber's own context (fresh per message) resolves the nested fields.
 */
const sharedEventLoads = new Map<string, { at: number; event: Promise<Event | null> }>();
const SHARED_TTL_MS = 5_000;

/**
 * Event rows by id, batched: every id asked for while the current burst of changes is processed (the
 * worker publishes a batch's changes together) goes into one query. No cache: each burst reads anew.
 * One loader per ORM (tests run several servers in one process). Rows of any workspace may come back;
 * each subscriber checks its own workspace.
 */
const eventLoaders = new WeakMap<object, DataLoader<string, Event | null>>();
function eventLoader(ctx: GraphQLContext): DataLoader<string, Event | null> {
  let loader = eventLoaders.get(ctx.em.config);
  if (!loader) {
    const root = ctx.em.fork();
    loader = new DataLoader(
      async (ids: readonly string[]) => {
        const rows = await root.fork().find(Event, { id: { $in: [...ids] } }, { populate: ['integration'] });
        const byId = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { cache: false },
    );
    eventLoaders.set(ctx.em.config, loader);
  }
  return loader;
}

async function loadEvent(ctx: GraphQLContext, msg: EventChangedMessage): Promise<Event> {
  const key = `${msg.eventId}|${msg.status}|${msg.at}`;
  const now = Date.now();
  // Insertion order is time order, so expired entries are at the front: drop them on every call (each
  // holds a loaded event and its EntityManager fork; a size threshold kept thousands of them alive).
  for (const [k, v] of sharedEventLoads) {
    if (now - v.at <= SHARED_TTL_MS) break;
    sharedEventLoads.delete(k);
  }
  let entry = sharedEventLoads.get(key);
  if (!entry) {
    entry = { at: now, event: eventLoader(ctx).load(msg.eventId) };
    sharedEventLoads.set(key, entry);
  }
  const event = await entry.event;
  if (!event || event.workspace.id !== workspaceIdOf(ctx)) throw new Error(`event ${msg.eventId} is not in this workspace`);
  // graphql-js executes every message of a subscription with the context made at subscribe time, so
  // its loaders would keep the integration as first seen: replace it with the one just loaded (which
  // also spares 1,000 subscribers 1,000 lookups).
  IntegrationRef.getDataloader(ctx).clear(event.integration.id).prime(event.integration.id, event.integration);
  // The row may have moved on since this change (a retry claimed at once): report the change itself.
  if (event.status === msg.status) return event;
  // Own data properties on a view of the row: MikroORM's entities carry accessors, so assigning through
  // them would rewrite the loaded row that other changes of this event (loaded in the same batch) share.
  return Object.create(event, {
    status: { value: msg.status, enumerable: true },
    errorCode: { value: msg.errorCode ?? event.errorCode, enumerable: true },
  }) as Event;
}

function eventStream(ctx: GraphQLContext, topic: 'event:changed' | 'event:failed', accept: (m: EventChangedMessage) => boolean) {
  const workspaceId = workspaceIdOf(ctx);
  // The bus only delivers this workspace's channel; the workspace check stays as a second lock.
  return pipe(
    ctx.live.subscribe(topic, workspaceId),
    filter((m: EventChangedMessage) => m.workspaceId === workspaceId && accept(m)),
  );
}

function typeMatches(types: readonly IntegrationType[] | null | undefined, type: IntegrationType): boolean {
  return !types || types.length === 0 || types.includes(type);
}

builder.subscriptionType({});

builder.subscriptionField('eventStatusChanged', (t) =>
  t.field({
    type: EventRef,
    description: 'An event of this workspace changed status (after the change is committed).',
    authScopes: { read: true },
    args: { filter: t.arg({ type: EventSubscriptionFilterInput, required: false }) },
    subscribe: (_root, args, ctx) => {
      const integrationId = integrationArg(args.filter?.integrationId);
      const statuses = args.filter?.statuses;
      return eventStream(
        ctx,
        'event:changed',
        (m) =>
          (!integrationId || m.integrationId === integrationId) &&
          typeMatches(args.filter?.types, m.integrationType) &&
          (!statuses || statuses.length === 0 || statuses.includes(m.status)),
      );
    },
    resolve: (msg: EventChangedMessage, _args, ctx) => loadEvent(ctx, msg),
  }),
);

builder.subscriptionField('failureOccurred', (t) =>
  t.field({
    type: EventRef,
    description: 'An event of this workspace became FAILED or RETRYING.',
    authScopes: { read: true },
    args: {
      types: t.arg({ type: [IntegrationTypeEnum], required: false }),
      integrationId: t.arg.id({ required: false }),
    },
    subscribe: (_root, args, ctx) => {
      const integrationId = integrationArg(args.integrationId);
      return eventStream(
        ctx,
        'event:failed',
        (m) =>
          (m.status === 'FAILED' || m.status === 'RETRYING') &&
          (!integrationId || m.integrationId === integrationId) &&
          typeMatches(args.types, m.integrationType),
      );
    },
    resolve: (msg: EventChangedMessage, _args, ctx) => loadEvent(ctx, msg),
  }),
);

builder.subscriptionField('integrationStateChanged', (t) =>
  t.field({
    type: IntegrationRef,
    description: 'An integration of this workspace changed lifecycle state (by an operator or by the system).',
    authScopes: { read: true },
    args: { integrationId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const integrationId = integrationArg(args.integrationId);
      return pipe(
        ctx.live.subscribe('integration:state', workspaceId),
        filter((m: IntegrationStateMessage) => m.workspaceId === workspaceId && (!integrationId || m.integrationId === integrationId)),
      );
    },
    resolve: async (msg: IntegrationStateMessage, _args, ctx) => {
      const [integration] = await findIntegrationsByIds(ctx.em.fork(), workspaceIdOf(ctx), [msg.integrationId]);
      if (!integration) throw new Error(`integration ${msg.integrationId} vanished`);
      IntegrationRef.getDataloader(ctx).clear(integration.id).prime(integration.id, integration);
      return integration;
    },
  }),
);
