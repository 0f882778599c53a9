// The failure table: FAILED events grouped by integration × error code, keyset-paged, largest first.
import { describeErrorCode, type FailureGroupKeyset, type FailureGroupRow, failureGroups } from '@switchboard/db';
import { builder } from '../builder.ts';
import { assertUuidPart, decodeCursor, encodeCursor, pageSize } from '../pagination.ts';
import { workspaceIdOf } from '../viewer.ts';
import { IntegrationTypeEnum, TimeRangeInput } from './enums.ts';
import { IntegrationRef } from './integration.ts';

const FailureGroupRef = builder.objectRef<FailureGroupRow>('FailureGroup').implement({
  fields: (t) => ({
    integration: t.field({ type: IntegrationRef, resolve: (g) => g.integrationId }),
    errorCode: t.exposeString('errorCode'),
    description: t.string({ resolve: (g) => describeErrorCode(g.errorCode).label }),
    service: t.field({
      type: 'String',
      nullable: true,
      resolve: async (g, _args, ctx) => (await IntegrationRef.getDataloader(ctx).load(g.integrationId)).service ?? null,
    }),
    flow: t.field({
      type: 'String',
      nullable: true,
      resolve: async (g, _args, ctx) => (await IntegrationRef.getDataloader(ctx).load(g.integrationId)).flow ?? null,
    }),
    totalErrors: t.exposeInt('totalErrors', { description: 'FAILED events.' }),
    retrying: t.exposeInt('retrying', {
      description: 'RETRYING events whose last attempt failed with this code (0 unless includeRetrying): failing now, not final.',
    }),
    firstSeenAt: t.field({ type: 'DateTime', resolve: (g) => g.firstSeenAt }),
    lastSeenAt: t.field({ type: 'DateTime', resolve: (g) => g.lastSeenAt }),
  }),
});

const FailureGroupConnection = builder.connectionObject({ type: FailureGroupRef, name: 'FailureGroupConnection' });

const groupCursor = (g: FailureGroupRow) =>
  encodeCursor([g.totalErrors + g.retrying, g.integrationId, g.errorCode === 'UNKNOWN' ? '' : g.errorCode]);

builder.queryField('failureGroups', (t) =>
  t.field({
    type: FailureGroupConnection,
    authScopes: { read: true },
    complexity: (args) => ({ field: 1, multiplier: args.first ?? 25 }),
    args: {
      range: t.arg({ type: TimeRangeInput, required: true }),
      types: t.arg({ type: [IntegrationTypeEnum] }),
      first: t.arg.int(),
      after: t.arg.string(),
      includeRetrying: t.arg.boolean({
        defaultValue: false,
        description: 'Count RETRYING events too (in retrying; groups seen only in retries appear); order by failed + retrying.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const first = pageSize(args.first);
      let after: FailureGroupKeyset | null = null;
      if (args.after) {
        const [total, integrationId, errorCode] = decodeCursor<[number, string, string]>(args.after, 'nss');
        after = { total, integrationId: assertUuidPart(integrationId), errorCode };
      }
      const page = await failureGroups(ctx.em, workspaceIdOf(ctx), args.range, args.types, first, after, args.includeRetrying ?? false);
      const edges = page.items.map((node) => ({ cursor: groupCursor(node), node }));
      return {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: after !== null,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
);
