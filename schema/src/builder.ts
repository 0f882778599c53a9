// The Pothos builder: plugins, context, scalars. Defines no domain types.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { ForbiddenError, UnauthenticatedError } from '@switchboard/db';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GraphQLContext } from './context.ts';

export interface AuthScopes {
  /** Any workspace key (READ, INGEST or ADMIN) — INGEST-only keys are refused by `read`. */
  read: boolean;
  ingest: boolean;
  admin: boolean;
  root: boolean;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin, DataloaderPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => {
      const v = ctx.viewer;
      const scopes = v?.kind === 'key' ? v.scopes : [];
      const admin = scopes.includes('ADMIN');
      return {
        read: admin || scopes.includes('READ'),
        ingest: admin || scopes.includes('INGEST'),
        admin,
        root: v?.kind === 'root',
      };
    },
    unauthorizedError: (_parent, ctx, _info, result) =>
      ctx.viewer
        ? new ForbiddenError(result.message === 'Not authorized' ? 'This API key lacks the scope this field needs' : result.message)
        : new UnauthenticatedError(),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: { complexity: 20_000, depth: 12, breadth: 300 },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
builder.queryType({});
