import { encodeId, UnauthenticatedError, Workspace } from '@switchboard/db';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

export const WorkspaceRef = builder.objectRef<Workspace>('Workspace');

WorkspaceRef.implement({
  fields: (t) => ({
    id: t.id({ resolve: (w) => encodeId('Workspace', w.id) }),
    name: t.exposeString('name'),
    timezone: t.exposeString('timezone'),
  }),
});

/** The caller's workspace id; throws for the root key, which has none. */
export function workspaceIdOf(ctx: GraphQLContext): string {
  if (ctx.viewer?.kind !== 'key') throw new UnauthenticatedError('This operation needs a workspace API key');
  return ctx.viewer.workspaceId;
}

builder.queryField('viewer', (t) =>
  t.field({
    type: WorkspaceRef,
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => ctx.em.findOneOrFail(Workspace, workspaceIdOf(ctx)),
  }),
);
