import {
  countIntegrations,
  createIntegration,
  encodeId,
  findIntegration,
  findIntegrationsByIds,
  getIntegration,
  Integration,
  type IntegrationKeyset,
  listIntegrations,
  endSecretGrace,
  previousSecretInGrace,
  rotateSigningSecret,
  updateIntegration,
} from '@switchboard/db';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { assertUuidPart, decodeCursor, encodeCursor, pageSize } from '../pagination.ts';
import { rowId, workspaceIdOf } from '../viewer.ts';
import {
  CircuitStateEnum,
  DirectionEnum,
  EnvironmentEnum,
  IntegrationStateEnum,
  IntegrationTypeEnum,
  ProviderClassEnum,
  RatePeriodEnum,
} from './enums.ts';

/** Integrations load in batches, always confined to the caller's workspace. */
export const IntegrationRef = builder.loadableObject('Integration', {
  load: async (ids: string[], ctx: GraphQLContext) => {
    const found = await findIntegrationsByIds(ctx.em, workspaceIdOf(ctx), ids);
    const byId = new Map(found.map((i) => [i.id, i]));
    return ids.map((id) => byId.get(id) ?? new Error(`Integration ${id} not found`));
  },
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: (value) => value instanceof Integration,
  fields: (t) => ({
    id: t.id({ resolve: (i) => encodeId('Integration', i.id) }),
    name: t.exposeString('name'),
    type: t.field({ type: IntegrationTypeEnum, resolve: (i) => i.type }),
    provider: t.exposeString('provider'),
    providerClass: t.field({ type: ProviderClassEnum, resolve: (i) => i.providerClass }),
    direction: t.field({ type: DirectionEnum, resolve: (i) => i.direction }),
    environment: t.field({ type: EnvironmentEnum, resolve: (i) => i.environment }),
    state: t.field({ type: IntegrationStateEnum, resolve: (i) => i.state }),
    stateReason: t.string({ nullable: true, resolve: (i) => i.stateReason ?? null }),
    owner: t.string({ nullable: true, resolve: (i) => i.owner ?? null }),
    installedAt: t.field({ type: 'DateTime', resolve: (i) => i.installedAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (i) => i.updatedAt }),
    destinationUrl: t.string({ nullable: true, resolve: (i) => i.destinationUrl ?? null }),
    destinationMethod: t.exposeString('destinationMethod'),
    subscribedEventTypes: t.stringList({ resolve: (i) => i.subscribedEventTypes }),
    fieldMapping: t.field({ type: 'JSON', nullable: true, resolve: (i) => i.fieldMapping ?? null }),
    service: t.string({ nullable: true, resolve: (i) => i.service ?? null }),
    flow: t.string({ nullable: true, resolve: (i) => i.flow ?? null }),
    retrySchedule: t.intList({ description: 'Seconds before each attempt.', resolve: (i) => i.retrySchedule }),
    throttledUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'The destination said its quota is spent (429 + Retry-After, or a rate-limit window with nothing left): no delivery is sent before this time, and the events waiting keep their retry budget. Null when not throttled.',
      resolve: (i) => (i.throttledUntil && i.throttledUntil.getTime() > Date.now() ? i.throttledUntil : null),
    }),
    deliveryRateLimit: t.int({
      nullable: true,
      description: 'Static limit: at most this many requests per deliveryRatePeriod, evenly paced across every worker. Null: none.',
      resolve: (i) => i.deliveryRateLimit ?? null,
    }),
    deliveryRatePeriod: t.field({ type: RatePeriodEnum, resolve: (i) => i.deliveryRatePeriod }),
    maxInFlight: t.int({
      nullable: true,
      description: "Deliveries in flight at once, per worker process. Null: the default share (a sixteenth of the worker's concurrency).",
      resolve: (i) => i.maxInFlight ?? null,
    }),
    circuit: t.field({
      type: CircuitStateEnum,
      description: 'The circuit breaker: OPEN while the destination is known to be down (deliveries held, not failed).',
      resolve: (i) => i.circuit,
    }),
    circuitOpenedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the circuit opened (null while CLOSED).',
      resolve: (i) => (i.circuit === 'CLOSED' ? null : (i.circuitOpenedAt ?? null)),
    }),
    previousSecretExpiresAt: t.field({
      type: 'DateTime',
      nullable: true,
      description:
        'After rotateSigningSecret: until when the replaced secret still verifies inbound webhooks and signs outbound requests alongside the new one. Null when no grace window is running.',
      resolve: (i) => (previousSecretInGrace(i) ? i.previousSecretExpiresAt : null) ?? null,
    }),
    ingestUrl: t.string({
      nullable: true,
      description: 'Where the provider sends webhooks (INBOUND_WEBHOOK only).',
      resolve: (i, _args, ctx) => (i.type === 'INBOUND_WEBHOOK' ? `${ctx.publicUrl}/ingest/${encodeId('Integration', i.id)}` : null),
    }),
  }),
});

const IntegrationFilterInput = builder.inputType('IntegrationFilter', {
  fields: (t) => ({
    types: t.field({ type: [IntegrationTypeEnum] }),
    states: t.field({ type: [IntegrationStateEnum] }),
    provider: t.string(),
    environment: t.field({ type: EnvironmentEnum }),
    search: t.string({ description: 'Name contains, case-insensitive.' }),
  }),
});

interface IntegrationConnectionShape {
  edges: { cursor: string; node: Integration }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

const IntegrationConnection = builder.connectionObject({
  type: IntegrationRef,
  name: 'IntegrationConnection',
  fields: (t) => ({
    totalCount: t.int({
      description: 'Matches of the filter, all pages.',
      resolve: (c) => (c as unknown as IntegrationConnectionShape).totalCount(),
    }),
  }),
});

const integrationCursor = (i: Integration) => encodeCursor([i.name, i.id]);

builder.queryFields((t) => ({
  integrations: t.field({
    type: IntegrationConnection,
    authScopes: { read: true },
    complexity: (args) => ({ field: 1, multiplier: args.first ?? 25 }),
    args: {
      filter: t.arg({ type: IntegrationFilterInput }),
      first: t.arg.int(),
      after: t.arg.string(),
    },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const first = pageSize(args.first);
      let after: IntegrationKeyset | null = null;
      if (args.after) {
        const [name, id] = decodeCursor<[string, string]>(args.after, 'ss');
        after = { name, id: assertUuidPart(id) };
      }
      const page = await listIntegrations(ctx.em, workspaceId, args.filter, first, after);
      const edges = page.items.map((node) => ({ cursor: integrationCursor(node), node }));
      const result: IntegrationConnectionShape = {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: after !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
        totalCount: () => countIntegrations(ctx.em, workspaceId, args.filter),
      };
      return result as never;
    },
  }),
  integration: t.field({
    type: IntegrationRef,
    nullable: true,
    description: 'Null when no integration of this workspace has the ID.',
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => {
      const id = rowId('Integration', args.id);
      return id ? findIntegration(ctx.em, workspaceIdOf(ctx), id) : null;
    },
  }),
}));

const CreateIntegrationInput = builder.inputType('CreateIntegrationInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    type: t.field({ type: IntegrationTypeEnum, required: true }),
    provider: t.string({ required: true }),
    environment: t.field({ type: EnvironmentEnum, defaultValue: 'PRODUCTION' }),
    owner: t.string(),
    destinationUrl: t.string(),
    destinationMethod: t.string({ defaultValue: 'POST' }),
    credentials: t.field({ type: 'JSON', description: 'Write-only: no field ever returns it.' }),
    subscribedEventTypes: t.stringList(),
    fieldMapping: t.field({ type: 'JSON' }),
    service: t.string(),
    flow: t.string(),
    retrySchedule: t.intList({ description: 'Seconds before each attempt; default as in DESIGN.md.' }),
    deliveryRateLimit: t.int({ description: 'Static limit: requests per deliveryRatePeriod (1–10000); null for none.' }),
    deliveryRatePeriod: t.field({ type: RatePeriodEnum, defaultValue: 'SECOND' }),
    maxInFlight: t.int({ description: "Deliveries in flight at once per worker process (1–10000); null for the worker's default share." }),
  }),
});

const UpdateIntegrationInput = builder.inputType('UpdateIntegrationInput', {
  fields: (t) => ({
    name: t.string(),
    owner: t.string(),
    destinationUrl: t.string(),
    credentials: t.field({ type: 'JSON', description: 'Write-only: no field ever returns it.' }),
    subscribedEventTypes: t.stringList(),
    fieldMapping: t.field({ type: 'JSON' }),
    service: t.string(),
    flow: t.string(),
    retrySchedule: t.intList(),
    deliveryRateLimit: t.int({ description: 'Static limit: requests per deliveryRatePeriod (1–10000); null removes it.' }),
    deliveryRatePeriod: t.field({ type: RatePeriodEnum }),
    maxInFlight: t.int({ description: "Deliveries in flight at once per worker process; null for the worker's default share." }),
  }),
});

export const IntegrationPayload = builder.objectRef<{ integration: Integration }>('IntegrationPayload').implement({
  fields: (t) => ({ integration: t.field({ type: IntegrationRef, resolve: (p) => p.integration }) }),
});

const CreateIntegrationPayload = builder
  .objectRef<{ integration: Integration; signingSecret: string | null }>('CreateIntegrationPayload')
  .implement({
    fields: (t) => ({
      integration: t.field({ type: IntegrationRef, resolve: (p) => p.integration }),
      signingSecret: t.string({ nullable: true, description: 'Shown once.', resolve: (p) => p.signingSecret }),
    }),
  });

const RotateSecretPayload = builder.objectRef<{ integration: Integration; signingSecret: string }>('RotateSecretPayload').implement({
  fields: (t) => ({
    integration: t.field({ type: IntegrationRef, resolve: (p) => p.integration }),
    signingSecret: t.exposeString('signingSecret', { description: 'Shown once.' }),
  }),
});

/** The integration behind a public ID in the caller's workspace, or NOT_FOUND. */
export function integrationOf(ctx: GraphQLContext, publicId: string): Promise<Integration> {
  return getIntegration(ctx.em, workspaceIdOf(ctx), rowId('Integration', publicId), publicId);
}

/** After the commit: ingest's and publish's caches of integration settings (every replica's) forget this one. */
function publishChanged(ctx: GraphQLContext, integration: Integration): void {
  ctx.live.publish('integration:changed', { workspaceId: workspaceIdOf(ctx), integrationId: integration.id });
}

builder.mutationFields((t) => ({
  createIntegration: t.field({
    type: CreateIntegrationPayload,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateIntegrationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const integration = createIntegration(ctx.em, workspaceIdOf(ctx), input);
      await ctx.em.flush();
      publishChanged(ctx, integration);
      return { integration, signingSecret: integration.signingSecret };
    },
  }),
  updateIntegration: t.field({
    type: IntegrationPayload,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateIntegrationInput, required: true }) },
    resolve: async (_root, { id, input }, ctx) => {
      const integration = await integrationOf(ctx, id);
      await updateIntegration(ctx.em, integration, input);
      await ctx.em.flush();
      publishChanged(ctx, integration);
      return { integration };
    },
  }),
  rotateSigningSecret: t.field({
    type: RotateSecretPayload,
    description:
      'A new signing secret (shown once). The replaced one stays valid for graceSeconds (default 86400, 24 h; at most 30 days): inbound webhooks signed with either verify, and outbound requests carry both signatures. 0 ends it at once.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), graceSeconds: t.arg.int() },
    resolve: async (_root, { id, graceSeconds }, ctx) => {
      const integration = await integrationOf(ctx, id);
      const signingSecret = rotateSigningSecret(integration, graceSeconds ?? undefined);
      await ctx.em.flush();
      publishChanged(ctx, integration);
      return { integration, signingSecret };
    },
  }),
  endSigningSecretGrace: t.field({
    type: IntegrationPayload,
    description: "Ends a rotation's grace window now: only the current signing secret verifies and signs from here on.",
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const integration = await integrationOf(ctx, id);
      endSecretGrace(integration);
      await ctx.em.flush();
      publishChanged(ctx, integration);
      return { integration };
    },
  }),
}));
