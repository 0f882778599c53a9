// Events made or re-opened on request: a test event, a replay of one event, a replay of every event
// matching a filter. The pipeline (ctx.pipeline) does the work; this layer checks scope and tenancy.
import {
  BadInputError,
  countReplayableEvents,
  Event,
  findEvent,
  MAX_REPLAY,
  NotFoundError,
  REPLAYABLE_STATUSES,
  newId,
  replayableEventIds,
  testPayloadFor,
} from '@switchboard/db';
import { builder } from '../builder.ts';
import { actorOf, rowId, workspaceIdOf } from '../viewer.ts';
import { EventFilterInput, EventRef, eventFilterOf } from './event.ts';
import { integrationOf } from './integration.ts';

const SKIPPED_EXPIRED =
  'DELIVERED or FAILED events matching whose payload has expired: not replayable (nothing left to send), left as they were.';

const ReplayPayload = builder.objectRef<{ events: Event[]; count: number; skippedExpired: number }>('ReplayPayload').implement({
  fields: (t) => ({
    events: t.field({ type: [EventRef], resolve: (p) => p.events }),
    count: t.exposeInt('count'),
    skippedExpired: t.exposeInt('skippedExpired', { description: SKIPPED_EXPIRED }),
  }),
});

const ReplayPreview = builder.objectRef<{ count: number; skippedExpired: number }>('ReplayPreview').implement({
  description: 'What replayEvents would do with a filter, without doing it.',
  fields: (t) => ({
    count: t.int({
      description: `Replayable (DELIVERED or FAILED, payload kept) events matching: exact up to limit; past it, limit + 1.`,
      resolve: (p) => p.count,
    }),
    skippedExpired: t.int({ description: `${SKIPPED_EXPIRED} Counted up to limit + 1.`, resolve: (p) => p.skippedExpired }),
    limit: t.int({ description: 'The most events one replayEvents call re-opens.', resolve: () => MAX_REPLAY }),
    overLimit: t.boolean({
      description: 'More events match than one call re-opens: replayEvents refuses this filter; narrow it.',
      resolve: (p) => p.count > MAX_REPLAY,
    }),
  }),
});

builder.queryFields((t) => ({
  replayPreview: t.field({
    type: ReplayPreview,
    description: 'How many events replayEvents(filter) would re-open (for a confirmation before replaying).',
    authScopes: { read: true },
    args: { filter: t.arg({ type: EventFilterInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const filter = await eventFilterOf(ctx, args.filter);
      return {
        count: await countReplayableEvents(ctx.em, workspaceId, filter, MAX_REPLAY + 1),
        skippedExpired: await countReplayableEvents(ctx.em, workspaceId, filter, MAX_REPLAY + 1, true),
      };
    },
  }),
}));

builder.mutationFields((t) => ({
  sendTestEvent: t.field({
    type: EventRef,
    description:
      "Creates a real event flagged as a test (isTest) and delivers it like any other. Without a payload, one is built that the integration's field mapping resolves. Test events are in the event log but not in dashboard counts.",
    authScopes: { $any: { admin: true, ingest: true } },
    args: {
      integrationId: t.arg.id({ required: true }),
      eventType: t.arg.string({ required: true }),
      payload: t.arg({ type: 'JSON', description: "Omit it to send one built from the integration's field mapping." }),
    },
    resolve: async (_root, args, ctx) => {
      const integration = await integrationOf(ctx, args.integrationId);
      const eventType = args.eventType.trim();
      if (!eventType) throw new BadInputError('eventType must not be empty', { field: 'eventType' });
      if (!integration.acceptsEvents()) {
        throw new BadInputError(`Integration "${integration.name}" is DISCONNECTED and accepts no events; reconnect it first`);
      }
      return ctx.pipeline.createEvent(ctx.em, {
        integration,
        eventType,
        payload: args.payload ?? testPayloadFor(integration.fieldMapping, eventType, `test_${newId().replaceAll('-', '')}`),
        source: 'USER',
        isTest: true,
      });
    },
  }),
  replayEvent: t.field({
    type: EventRef,
    description: 'A new attempt cycle for a DELIVERED or FAILED event; its earlier attempts are kept.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const id = rowId('Event', args.id);
      const event = id ? await findEvent(ctx.em, workspaceId, id) : null;
      if (!event) throw new NotFoundError('Event', args.id);
      if (!REPLAYABLE_STATUSES.includes(event.status)) {
        throw new BadInputError(`Only DELIVERED or FAILED events can be replayed; this one is ${event.status}`);
      }
      if (event.payloadExpired) {
        throw new BadInputError('This event cannot be replayed: its payload has expired (retention), so there is nothing to send');
      }
      await ctx.pipeline.replayEvents(ctx.em, workspaceId, [event.id], actorOf(ctx));
      await ctx.em.refresh(event);
      return event;
    },
  }),
  replayEvents: t.field({
    type: ReplayPayload,
    description: `Replays every DELIVERED or FAILED event matching the filter whose payload is kept (at most ${MAX_REPLAY} per call); skippedExpired says how many were left out.`,
    authScopes: { admin: true },
    args: { filter: t.arg({ type: EventFilterInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const filter = await eventFilterOf(ctx, args.filter);
      const ids = await replayableEventIds(ctx.em, workspaceId, filter, MAX_REPLAY + 1);
      if (ids.length > MAX_REPLAY) {
        throw new BadInputError(
          `The filter matches more than ${MAX_REPLAY} replayable events; narrow it (e.g. by range) and replay in parts`,
        );
      }
      const replayed = ids.length ? await ctx.pipeline.replayEvents(ctx.em, workspaceId, ids, actorOf(ctx)) : [];
      const events = replayed.length
        ? await ctx.em.find(Event, { id: { $in: replayed }, workspace: workspaceId }, {
            orderBy: { receivedAt: 'asc', id: 'asc' },
            refresh: true,
          } as never)
        : [];
      const skippedExpired = await countReplayableEvents(ctx.em, workspaceId, filter, MAX_REPLAY + 1, true);
      return { events, count: replayed.length, skippedExpired };
    },
  }),
}));
