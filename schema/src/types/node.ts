// node(id): resolves a public ID by its prefix, always inside the caller's workspace. A malformed,
// unknown or foreign ID answers null, exactly alike.
import { ApiKey, decodeId, DeliveryAttempt, findEvent, findIncident, findIntegration, Workspace } from '@switchboard/db';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { workspaceIdOf } from '../viewer.ts';

async function loadNode(ctx: GraphQLContext, publicId: string): Promise<unknown> {
  const d = decodeId(publicId);
  if (!d) return null;
  const workspaceId = workspaceIdOf(ctx);
  switch (d.kind) {
    case 'Workspace':
      return d.uuid === workspaceId ? ctx.em.findOne(Workspace, d.uuid) : null;
    case 'ApiKey':
      return ctx.em.findOne(ApiKey, { id: d.uuid, workspace: workspaceId });
    case 'Integration':
      return findIntegration(ctx.em, workspaceId, d.uuid);
    case 'Event':
      return findEvent(ctx.em, workspaceId, d.uuid);
    case 'DeliveryAttempt':
      return ctx.em.findOne(DeliveryAttempt, { id: d.uuid, workspaceId });
    case 'Incident':
      return findIncident(ctx.em, workspaceId, d.uuid);
    default:
      return null;
  }
}

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    authScopes: { read: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => loadNode(ctx, args.id) as never,
  }),
);
