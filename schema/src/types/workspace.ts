import { createWorkspace, encodeId, Workspace } from '@switchboard/db';
import { builder } from '../builder.ts';
import { workspaceIdOf } from '../viewer.ts';

export { workspaceIdOf } from '../viewer.ts';

export const WorkspaceRef = builder.objectRef<Workspace>('Workspace');

WorkspaceRef.implement({
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: (value) => value instanceof Workspace,
  fields: (t) => ({
    id: t.id({ resolve: (w) => encodeId('Workspace', w.id) }),
    name: t.exposeString('name'),
    timezone: t.exposeString('timezone'),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: WorkspaceRef,
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => ctx.em.findOneOrFail(Workspace, workspaceIdOf(ctx)),
  }),
);

const CreateWorkspacePayload = builder.objectRef<{ workspace: Workspace; adminKey: string }>('CreateWorkspacePayload').implement({
  fields: (t) => ({
    workspace: t.field({ type: WorkspaceRef, resolve: (p) => p.workspace }),
    adminKey: t.exposeString('adminKey', { description: "The workspace's first ADMIN key, shown once." }),
  }),
});

builder.mutationField('createWorkspace', (t) =>
  t.field({
    type: CreateWorkspacePayload,
    description: 'Root key only: a new workspace and its first ADMIN key (shown once).',
    authScopes: { root: true },
    args: {
      name: t.arg.string({ required: true }),
      timezone: t.arg.string({ defaultValue: 'UTC' }),
    },
    resolve: async (_root, args, ctx) => {
      const { workspace, adminKey } = await createWorkspace(ctx.em, args.name, args.timezone ?? 'UTC');
      return { workspace, adminKey };
    },
  }),
);
