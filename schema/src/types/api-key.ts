import { ApiKey, BadInputError, createApiKey, encodeId, NotFoundError, UnauthenticatedError, Workspace } from '@switchboard/db';
import { builder } from '../builder.ts';
import { rowId, workspaceIdOf } from '../viewer.ts';
import { ApiScopeEnum } from './enums.ts';

export const ApiKeyRef = builder.objectRef<ApiKey>('ApiKey');

ApiKeyRef.implement({
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: (value) => value instanceof ApiKey,
  fields: (t) => ({
    id: t.id({ resolve: (k) => encodeId('ApiKey', k.id) }),
    name: t.exposeString('name'),
    prefix: t.exposeString('prefix'),
    scopes: t.field({ type: [ApiScopeEnum], resolve: (k) => k.scopes }),
    createdAt: t.field({ type: 'DateTime', resolve: (k) => k.createdAt }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.lastUsedAt ?? null }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.revokedAt ?? null }),
  }),
});

builder.queryFields((t) => ({
  apiKeys: t.field({
    type: [ApiKeyRef],
    description: "The workspace's keys, revoked ones included (never their secrets).",
    authScopes: { read: true },
    resolve: (_root, _args, ctx) => ctx.em.find(ApiKey, { workspace: workspaceIdOf(ctx) }, { orderBy: { createdAt: 'asc', id: 'asc' } }),
  }),
  currentApiKey: t.field({
    type: ApiKeyRef,
    nullable: true,
    description: 'The key this request was made with; null for the root key.',
    authScopes: { $any: { read: true, ingest: true, root: true } },
    resolve: (_root, _args, ctx) => {
      if (!ctx.viewer) throw new UnauthenticatedError();
      if (ctx.viewer.kind === 'root') return null;
      return ctx.em.findOne(ApiKey, { id: ctx.viewer.apiKeyId, workspace: ctx.viewer.workspaceId });
    },
  }),
}));

const CreateApiKeyPayload = builder.objectRef<{ apiKey: ApiKey; key: string }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (p) => p.apiKey }),
    key: t.exposeString('key', { description: 'The secret key, shown once; only its hash is stored.' }),
  }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    authScopes: { admin: true },
    args: {
      name: t.arg.string({ required: true }),
      scopes: t.arg({ type: [ApiScopeEnum], required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const name = args.name.trim();
      if (!name) throw new BadInputError('name must not be empty', { field: 'name' });
      if (name.length > 100) throw new BadInputError('name must be at most 100 characters', { field: 'name' });
      if (args.scopes.length === 0) throw new BadInputError('scopes must name at least one of READ, INGEST, ADMIN', { field: 'scopes' });
      const created = createApiKey(ctx.em, ctx.em.getReference(Workspace, workspaceIdOf(ctx)), name, args.scopes);
      await ctx.em.flush();
      return { apiKey: created.apiKey, key: created.key };
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes a key at once (idempotent); live subscriptions made with it are closed.',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const id = rowId('ApiKey', args.id);
      const key = id ? await ctx.em.findOne(ApiKey, { id, workspace: workspaceId }) : null;
      if (!key) throw new NotFoundError('API key', args.id);
      if (!key.revokedAt) {
        key.revokedAt = new Date();
        await ctx.em.flush();
        ctx.live.publish('apikey:revoked', { workspaceId, apiKeyId: key.id });
      }
      return key;
    },
  }),
}));
