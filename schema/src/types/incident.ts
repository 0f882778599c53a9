// Incidents the detectors opened (DESIGN.md "Insight"): READ reads and subscribes, ADMIN
// acknowledges, resolves and mutes. Every lookup is confined to the caller's workspace: another
// workspace's incident id is simply not found. Each change is announced after its commit (live bus
// and the `switchboard.incident.*` notification events).
import {
  applyIncidentAction,
  BadInputError,
  countIncidents,
  encodeId,
  Event,
  findIncident,
  INCIDENT_KINDS,
  INCIDENT_SEVERITIES,
  INCIDENT_STATES,
  Incident,
  type IncidentAction,
  type IncidentChange,
  type IncidentListFilter,
  type IncidentMove,
  listIncidents,
  NotFoundError,
  parseInsightOverrides,
  remediationsFor,
  effectiveSettings,
  Workspace,
} from '@switchboard/db';
import { filter, pipe } from '@graphql-yoga/subscription';
import { builder } from '../builder.ts';
import type { GraphQLContext, IncidentChangedMessage } from '../context.ts';
import { assertTimestampPart, assertUuidPart, decodeCursor, encodeCursor, pageSize } from '../pagination.ts';
import { actorOf, rowId, workspaceIdOf } from '../viewer.ts';
import { TimeRangeInput } from './enums.ts';
import { RemediationRef } from './error-catalog.ts';
import { EventRef } from './event.ts';
import { IntegrationRef } from './integration.ts';
import { WorkspaceRef } from './workspace.ts';

export const IncidentKindEnum = builder.enumType('IncidentKind', { values: INCIDENT_KINDS });
export const IncidentStateEnum = builder.enumType('IncidentState', { values: INCIDENT_STATES });
export const IncidentSeverityEnum = builder.enumType('IncidentSeverity', { values: INCIDENT_SEVERITIES });

const IncidentChangeRef = builder.objectRef<IncidentChange>('IncidentChange').implement({
  fields: (t) => ({
    from: t.field({ type: IncidentStateEnum, nullable: true, resolve: (c) => c.from ?? null }),
    to: t.field({ type: IncidentStateEnum, resolve: (c) => c.to }),
    at: t.field({ type: 'DateTime', resolve: (c) => c.at }),
    actor: t.string({ description: 'API key name, or "system".', resolve: (c) => c.actor }),
    note: t.string({ nullable: true, resolve: (c) => c.note ?? null }),
  }),
});

const MAX_SAMPLE_EVENTS = 20;

export const IncidentRef = builder.objectRef<Incident>('Incident').implement({
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: (value) => value instanceof Incident,
  fields: (t) => ({
    id: t.id({ resolve: (i) => encodeId('Incident', i.id) }),
    kind: t.field({ type: IncidentKindEnum, resolve: (i) => i.kind }),
    state: t.field({ type: IncidentStateEnum, resolve: (i) => i.state }),
    severity: t.field({ type: IncidentSeverityEnum, resolve: (i) => i.severity }),
    title: t.exposeString('title', { description: 'One line an operator understands at a glance.' }),
    summary: t.exposeString('summary', { description: 'What was observed, with the numbers.' }),
    likelyCause: t.string({ nullable: true, resolve: (i) => i.likelyCause ?? null }),
    integration: t.field({
      type: IntegrationRef,
      nullable: true,
      description: 'The one integration concerned; null when it spans several.',
      resolve: (i) => i.integrationId ?? null,
    }),
    integrations: t.field({ type: [IntegrationRef], resolve: (i) => i.integrationIds }),
    errorCode: t.string({ nullable: true, resolve: (i) => i.errorCode || null }),
    remediation: t.field({
      type: RemediationRef,
      nullable: true,
      description: "The catalog's guidance for errorCode and the integration's type (the first one's, when it spans several).",
      resolve: async (i, _args, ctx) => {
        const id = i.integrationId ?? i.integrationIds[0];
        if (!i.errorCode || !id) return null;
        const integration = await IntegrationRef.getDataloader(ctx).load(id);
        return remediationsFor({ code: i.errorCode, type: integration.type })[0] ?? null;
      },
    }),
    openedAt: t.field({ type: 'DateTime', resolve: (i) => i.openedAt }),
    lastSeenAt: t.field({ type: 'DateTime', resolve: (i) => i.lastSeenAt }),
    resolvedAt: t.field({ type: 'DateTime', nullable: true, resolve: (i) => i.resolvedAt ?? null }),
    mutedUntil: t.field({ type: 'DateTime', nullable: true, resolve: (i) => i.mutedUntil ?? null }),
    eventCount: t.int({ description: 'Events attributed to it so far.', resolve: (i) => i.eventCount }),
    sampleEvents: t.field({
      type: [EventRef],
      description: `Failing events behind it, newest first (at most ${MAX_SAMPLE_EVENTS}).`,
      args: { first: t.arg.int({ required: false }) },
      resolve: async (i, args, ctx) => {
        const n = args.first ?? 5;
        if (!Number.isInteger(n) || n < 1 || n > MAX_SAMPLE_EVENTS)
          throw new BadInputError(`first must be between 1 and ${MAX_SAMPLE_EVENTS} (got ${n})`, { argument: 'first' });
        const ids = i.sampleEventIds.slice(0, n);
        if (ids.length === 0) return [];
        const events = await ctx.em.find(Event, { id: { $in: ids }, workspace: workspaceIdOf(ctx) });
        const byId = new Map(events.map((e) => [e.id, e]));
        // Samples whose events retention has deleted are left out.
        return ids.map((id) => byId.get(id)).filter((e): e is Event => e !== undefined);
      },
    }),
    history: t.field({ type: [IncidentChangeRef], description: 'Every state change, oldest first.', resolve: (i) => i.history }),
  }),
});

const IncidentFilterInput = builder.inputType('IncidentFilter', {
  fields: (t) => ({
    states: t.field({ type: [IncidentStateEnum] }),
    kinds: t.field({ type: [IncidentKindEnum] }),
    integrationId: t.id(),
    range: t.field({ type: TimeRangeInput, description: 'Incidents open at any time within the range.' }),
  }),
});

const NO_MATCH = '00000000-0000-0000-0000-000000000000';

const IncidentConnection = builder.connectionObject({
  type: IncidentRef,
  name: 'IncidentConnection',
  fields: (t) => ({
    totalCount: t.int({
      description: 'Matches of the filter, all pages.',
      resolve: (c) => (c as unknown as { totalCount: () => Promise<number> }).totalCount(),
    }),
  }),
});

builder.queryFields((t) => ({
  incidents: t.field({
    type: IncidentConnection,
    description: 'Incidents of this workspace, newest first.',
    authScopes: { read: true },
    args: {
      filter: t.arg({ type: IncidentFilterInput, required: false }),
      first: t.arg.int({ required: false }),
      after: t.arg.string({ required: false }),
    },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const limit = pageSize(args.first);
      const f = args.filter;
      if (f?.range && f.range.from.getTime() >= f.range.to.getTime())
        throw new BadInputError('range.from must be before range.to', { argument: 'filter.range' });
      const listFilter: IncidentListFilter = {
        states: f?.states ?? null,
        kinds: f?.kinds ?? null,
        integrationId: f?.integrationId != null ? (rowId('Integration', f.integrationId) ?? NO_MATCH) : null,
        range: f?.range ?? null,
      };
      let after: { openedAt: string; id: string } | null = null;
      if (args.after) {
        const [openedAt, id] = decodeCursor<[string, string]>(args.after, 'ss');
        after = { openedAt: assertTimestampPart(openedAt), id: assertUuidPart(id) };
      }
      const rows = await listIncidents(ctx.em, workspaceId, listFilter, after, limit + 1);
      const page = rows.slice(0, limit);
      const edges = page.map((node) => ({ cursor: encodeCursor([node.openedAt.toISOString(), node.id]), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: rows.length > limit,
          hasPreviousPage: false,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: () => countIncidents(ctx.em, workspaceId, listFilter),
      } as never;
    },
  }),
  incident: t.field({
    type: IncidentRef,
    nullable: true,
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => {
      const id = rowId('Incident', args.id);
      return id ? findIncident(ctx.em, workspaceIdOf(ctx), id) : null;
    },
  }),
}));

async function act(
  ctx: GraphQLContext,
  publicId: string,
  action: Exclude<IncidentAction, 'unmute'>,
  note: string | null | undefined,
  until?: Date,
): Promise<Incident> {
  const workspaceId = workspaceIdOf(ctx);
  const id = rowId('Incident', publicId);
  if (!id) throw new NotFoundError('Incident', publicId);
  const move: IncidentMove = await applyIncidentAction(ctx.em, workspaceId, id, action, actorOf(ctx), note?.trim() || null, { until });
  await ctx.pipeline.announceIncident({
    workspaceId,
    incidentId: move.id,
    integrationIds: move.integrationIds,
    state: move.record.to,
    change: move.record,
  });
  const incident = await ctx.em.fork().findOne(Incident, { id, workspace: workspaceId });
  if (!incident) throw new NotFoundError('Incident', publicId);
  return incident;
}

builder.mutationFields((t) => ({
  acknowledgeIncident: t.field({
    type: IncidentRef,
    description: 'OPEN (or MUTED) → ACKNOWLEDGED: someone is on it; the detectors keep updating it and may still resolve it.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), note: t.arg.string() },
    resolve: (_root, args, ctx) => act(ctx, args.id, 'acknowledge', args.note),
  }),
  resolveIncident: t.field({
    type: IncidentRef,
    description: '→ RESOLVED by hand. If the condition returns, a new incident opens.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), note: t.arg.string() },
    resolve: (_root, args, ctx) => act(ctx, args.id, 'resolve', args.note),
  }),
  muteIncident: t.field({
    type: IncidentRef,
    description: 'Silences notifications until `until`; reopens as OPEN after it if the condition still holds.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), until: t.arg({ type: 'DateTime', required: true }), note: t.arg.string() },
    resolve: (_root, args, ctx) => act(ctx, args.id, 'mute', args.note, args.until),
  }),
  updateInsightSettings: t.field({
    type: WorkspaceRef,
    description:
      "Overrides the detectors' windows and thresholds for this workspace (a JSON object of numbers; null restores the defaults). " +
      'Names and defaults: Workspace.insightSettings.',
    authScopes: { admin: true },
    args: { settings: t.arg({ type: 'JSON', required: false }) },
    resolve: async (_root, args, ctx) => {
      const workspace = await ctx.em.findOneOrFail(Workspace, workspaceIdOf(ctx));
      workspace.insightSettings = args.settings == null ? null : parseInsightOverrides(args.settings);
      await ctx.em.flush();
      return workspace;
    },
  }),
}));

builder.objectField(WorkspaceRef, 'insightSettings', (t) =>
  t.field({
    type: 'JSON',
    description: "The detectors' windows and thresholds in effect (minutes, counts, shares), this workspace's overrides applied.",
    authScopes: { read: true },
    resolve: (w) => effectiveSettings(w.insightSettings),
  }),
);

builder.subscriptionField('incidentChanged', (t) =>
  t.field({
    type: IncidentRef,
    description: 'An incident of this workspace was opened, updated, or moved to another state.',
    authScopes: { read: true },
    args: { integrationId: t.arg.id({ required: false }) },
    subscribe: (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const integrationId = args.integrationId != null ? (rowId('Integration', args.integrationId) ?? NO_MATCH) : null;
      return pipe(
        ctx.live.subscribe('incident:changed', workspaceId),
        filter(
          (m: IncidentChangedMessage) => m.workspaceId === workspaceId && (!integrationId || m.integrationIds.includes(integrationId)),
        ),
      );
    },
    resolve: async (msg: IncidentChangedMessage, _args, ctx) => {
      const incident = await ctx.em.fork().findOne(Incident, { id: msg.incidentId, workspace: workspaceIdOf(ctx) });
      if (!incident) throw new Error(`incident ${msg.incidentId} is not in this workspace`);
      return incident;
    },
  }),
);
