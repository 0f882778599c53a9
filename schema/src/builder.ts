// The Pothos builder: plugins, context, scalars. Defines no domain types.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { BadInputError, decodeId, encodeId, ForbiddenError, type IdKind, UnauthenticatedError } from '@switchboard/db';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GraphQLContext } from './context.ts';

export interface AuthScopes {
  /** Any workspace key (READ, INGEST or ADMIN) — INGEST-only keys are refused by `read`. */
  read: boolean;
  ingest: boolean;
  admin: boolean;
  root: boolean;
}

/** Query cost limits: deep or wide queries are refused before anything is resolved. */
export const QUERY_LIMITS = { complexity: 100_000, depth: 12, breadth: 300 } as const;

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: AuthScopes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
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
    // `node(id)` is our own (types/node.ts): it answers null for foreign or malformed IDs instead of throwing.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    encodeGlobalID: (typename, id) => encodeId(typename as IdKind, String(id)),
    decodeGlobalID: (globalID) => {
      const d = decodeId(globalID);
      if (!d) throw new BadInputError(`"${globalID}" is not a valid ID`);
      return { typename: d.kind, id: d.uuid };
    },
  },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: QUERY_LIMITS,
    complexityError: (kind, r) =>
      new BadInputError(
        kind === 'Depth'
          ? `Query is too deep: depth ${r.depth} exceeds the limit of ${r.maxDepth}`
          : kind === 'Breadth'
            ? `Query is too wide: ${r.breadth} fields exceed the limit of ${r.maxBreadth}`
            : `Query is too expensive: complexity ${r.complexity} exceeds the limit of ${r.maxComplexity} (ask for fewer items or fewer nested lists)`,
      ),
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
builder.queryType({});
builder.mutationType({});
