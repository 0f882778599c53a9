// Lifecycle: pause / resume / reconnect / disconnect through the entity's state machine, each change
// recorded (actor = the API key's name) and published on the live bus after it is committed.
import {
  BadInputError,
  type Integration,
  type IntegrationAction,
  IntegrationStateChange,
  loadCredentials,
  nextIntegrationState,
} from '@switchboard/db';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { actorOf, workspaceIdOf } from '../viewer.ts';
import { IntegrationStateEnum } from './enums.ts';
import { IntegrationPayload, IntegrationRef, integrationOf } from './integration.ts';

const StateChangeRef = builder.objectRef<IntegrationStateChange>('StateChange').implement({
  fields: (t) => ({
    from: t.field({ type: IntegrationStateEnum, nullable: true, resolve: (c) => (c.from ?? null) as never }),
    to: t.field({ type: IntegrationStateEnum, resolve: (c) => c.to as never }),
    reason: t.string({ nullable: true, resolve: (c) => c.reason ?? null }),
    actor: t.string({ description: 'API key name, or "system".', resolve: (c) => c.actor }),
    at: t.field({ type: 'DateTime', resolve: (c) => c.at }),
  }),
});

builder.objectField(IntegrationRef, 'stateHistory', (t) =>
  t.loadableGroup({
    type: StateChangeRef,
    description: 'Every lifecycle change, oldest first.',
    load: (ids: string[], ctx: GraphQLContext) =>
      ctx.em.find(IntegrationStateChange, { integration: { $in: ids } }, { orderBy: { at: 'asc', id: 'asc' } }),
    group: (c) => c.integration.id,
    resolve: (i) => i.id,
  }),
);

function cleanReason(reason: string | null | undefined): string | null {
  const r = reason?.trim() ?? '';
  if (r.length > 1000) throw new BadInputError('reason must be at most 1000 characters', { field: 'reason' });
  return r || null;
}

async function applyAction(
  ctx: GraphQLContext,
  id: string,
  action: IntegrationAction,
  reason: string | null,
): Promise<{ integration: Integration }> {
  const integration = await integrationOf(ctx, id);
  const from = integration.state;
  const change = integration.transition(action, actorOf(ctx), reason);
  ctx.em.persist(change);
  await ctx.em.flush();
  publishState(ctx, integration, from);
  return { integration };
}

function publishState(ctx: GraphQLContext, integration: Integration, previousState: Integration['state']): void {
  ctx.live.publish('integration:state', {
    workspaceId: workspaceIdOf(ctx),
    integrationId: integration.id,
    state: integration.state,
    previousState,
    at: integration.updatedAt.toISOString(),
  });
}

builder.mutationFields((t) => ({
  pauseIntegration: t.field({
    type: IntegrationPayload,
    description: 'ACTIVE or ERROR → PAUSED: events are still accepted and stored, nothing is sent.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: (_root, args, ctx) => applyAction(ctx, args.id, 'pause', cleanReason(args.reason)),
  }),
  resumeIntegration: t.field({
    type: IntegrationPayload,
    description: 'PAUSED → ACTIVE: held events are released in order.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => applyAction(ctx, args.id, 'resume', null),
  }),
  disconnectIntegration: t.field({
    type: IntegrationPayload,
    description: 'ACTIVE, PAUSED or ERROR → DISCONNECTED: no new events are accepted, nothing is sent.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: (_root, args, ctx) => applyAction(ctx, args.id, 'disconnect', cleanReason(args.reason)),
  }),
  reconnectIntegration: t.field({
    type: IntegrationPayload,
    description:
      'ERROR or DISCONNECTED → ACTIVE when a real test call (outbound) or a check of the signing setup (inbound) succeeds; ' +
      'otherwise the state stays and stateReason says why. New credentials are stored only when the test succeeds.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), credentials: t.arg({ type: 'JSON' }) },
    resolve: async (_root, args, ctx) => {
      const integration = await integrationOf(ctx, args.id);
      // Refuse an invalid transition before making any outside call.
      nextIntegrationState('reconnect', integration.state, `integration "${integration.name}"`);
      let credentials: Record<string, unknown> | null;
      if (args.credentials != null) {
        if (typeof args.credentials !== 'object' || Array.isArray(args.credentials)) {
          throw new BadInputError('credentials must be a JSON object', { field: 'credentials' });
        }
        credentials = args.credentials as Record<string, unknown>;
      } else credentials = await loadCredentials(ctx.em, integration);
      const result = await ctx.pipeline.testConnection(integration, credentials);
      const from = integration.state;
      if (result.ok) {
        if (args.credentials != null) integration.credentials = credentials;
        ctx.em.persist(integration.transition('reconnect', actorOf(ctx), null));
      } else {
        ctx.em.persist(
          integration.recordFailedReconnect(actorOf(ctx), `Reconnect failed: ${result.reason ?? 'the test call did not succeed'}`),
        );
      }
      await ctx.em.flush();
      if (result.ok) publishState(ctx, integration, from);
      return { integration };
    },
  }),
}));
