// The dashboards (DESIGN.md "Dashboard semantics"), read from the hourly rollups.
import {
  describeErrorCode,
  type ErrorCodeTotal,
  failuresByErrorCode,
  findIntegration,
  type OverviewNumbers,
  overview,
  type TrendPoint,
  type TypeSummary,
  trends,
  Workspace,
} from '@switchboard/db';
import { builder } from '../builder.ts';
import { rowId, workspaceIdOf } from '../viewer.ts';
import { ErrorCategoryEnum, IntegrationTypeEnum, TimeBucketEnum, TimeRangeInput } from './enums.ts';

const IntegrationTypeSummaryRef = builder.objectRef<TypeSummary>('IntegrationTypeSummary').implement({
  fields: (t) => ({
    type: t.field({ type: IntegrationTypeEnum, resolve: (s) => s.type }),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    previousSucceeded: t.exposeInt('previousSucceeded'),
    previousFailed: t.exposeInt('previousFailed'),
    succeededChange: t.float({
      nullable: true,
      description: 'Percent; null when the previous value is 0.',
      resolve: (s) => s.succeededChange,
    }),
    failedChange: t.float({ nullable: true, description: 'Percent; null when the previous value is 0.', resolve: (s) => s.failedChange }),
    retrying: t.exposeInt('retrying'),
    previousRetrying: t.exposeInt('previousRetrying'),
    failing: t.exposeInt('failing', {
      description:
        'FAILED + RETRYING: events whose last attempt failed. Compares like with like across periods (a recent failure may still be RETRYING, an older one has had time to become FAILED).',
    }),
    previousFailing: t.exposeInt('previousFailing'),
    failingChange: t.float({ nullable: true, description: 'Percent; null when the previous value is 0.', resolve: (s) => s.failingChange }),
  }),
});

const OverviewRef = builder.objectRef<OverviewNumbers>('Overview').implement({
  fields: (t) => ({
    from: t.field({ type: 'DateTime', resolve: (o) => o.from }),
    to: t.field({ type: 'DateTime', resolve: (o) => o.to }),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    retrying: t.exposeInt('retrying'),
    inFlight: t.exposeInt('inFlight', { description: 'RECEIVED + PROCESSING events of integrations that deliver now (ACTIVE).' }),
    held: t.exposeInt('held', {
      description:
        'RECEIVED + PROCESSING events of integrations whose deliveries are stopped (PAUSED, ERROR, DISCONNECTED): waiting, not in flight.',
    }),
    successRate: t.float({
      nullable: true,
      description: 'succeeded / (succeeded + failed + retrying), 0..1: a retrying event is not (yet) a success. Null when all are 0.',
      resolve: (o) => o.successRate,
    }),
    byType: t.field({ type: [IntegrationTypeSummaryRef], description: 'All five types, zeros included.', resolve: (o) => o.byType }),
  }),
});

const ErrorCodeCountRef = builder.objectRef<ErrorCodeTotal>('ErrorCodeCount').implement({
  fields: (t) => ({
    code: t.exposeString('code'),
    label: t.string({ resolve: (c) => describeErrorCode(c.code).label }),
    category: t.field({ type: ErrorCategoryEnum, resolve: (c) => describeErrorCode(c.code).category }),
    count: t.exposeInt('count', { description: 'FAILED events whose final code this is.' }),
    retrying: t.exposeInt('retrying', {
      description:
        'RETRYING events whose last attempt failed with this code (0 unless includeRetrying): failing now, may still be delivered.',
    }),
    share: t.exposeFloat('share', {
      description: 'Of all failures in the range (failed, plus retrying with includeRetrying), 0..1.',
    }),
  }),
});

const TrendPointRef = builder.objectRef<TrendPoint>('TrendPoint').implement({
  fields: (t) => ({
    bucketStart: t.field({ type: 'DateTime', resolve: (p) => p.bucketStart }),
    succeeded: t.exposeInt('succeeded'),
    failed: t.exposeInt('failed'),
    retrying: t.exposeInt('retrying', {
      description: 'RETRYING events of the bucket: failed at least once, not final yet (why recent buckets show fewer FAILED).',
    }),
    partial: t.exposeBoolean('partial', { description: 'The bucket ends after now: its counts are still growing.' }),
  }),
});

const TrendSeriesRef = builder.objectRef<{ type: TypeSummary['type']; points: TrendPoint[] }>('TrendSeries').implement({
  fields: (t) => ({
    type: t.field({ type: IntegrationTypeEnum, resolve: (s) => s.type }),
    points: t.field({ type: [TrendPointRef], resolve: (s) => s.points }),
  }),
});

builder.queryFields((t) => ({
  overview: t.field({
    type: OverviewRef,
    description: 'Counts of events received in [from, to), and the previous period of the same length.',
    authScopes: { read: true },
    args: { range: t.arg({ type: TimeRangeInput, required: true }) },
    resolve: (_root, args, ctx) => overview(ctx.em, workspaceIdOf(ctx), args.range),
  }),
  failuresByErrorCode: t.field({
    type: [ErrorCodeCountRef],
    description: 'FAILED (and with includeRetrying, RETRYING) events grouped by their last error code, most frequent first.',
    authScopes: { read: true },
    args: {
      range: t.arg({ type: TimeRangeInput, required: true }),
      types: t.arg({ type: [IntegrationTypeEnum] }),
      integrationId: t.arg.id(),
      includeRetrying: t.arg.boolean({
        defaultValue: false,
        description: 'Count RETRYING events too (in retrying; codes seen only in retries appear); order by failed + retrying.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      let integrationId: string | null = null;
      if (args.integrationId != null) {
        const id = rowId('Integration', args.integrationId);
        const found = id ? await findIntegration(ctx.em, workspaceId, id) : null;
        if (!found) return [];
        integrationId = found.id;
      }
      return failuresByErrorCode(ctx.em, workspaceId, args.range, {
        types: args.types,
        integrationId,
        includeRetrying: args.includeRetrying ?? false,
      });
    },
  }),
  trends: t.field({
    type: [TrendSeriesRef],
    description: "One series per type, every bucket present; HOUR buckets in UTC, DAY buckets in the workspace's timezone.",
    authScopes: { read: true },
    args: {
      range: t.arg({ type: TimeRangeInput, required: true }),
      bucket: t.arg({ type: TimeBucketEnum, required: true }),
      types: t.arg({ type: [IntegrationTypeEnum] }),
    },
    resolve: async (_root, args, ctx) => {
      const workspaceId = workspaceIdOf(ctx);
      const timezone = args.bucket === 'DAY' ? (await ctx.em.findOneOrFail(Workspace, workspaceId)).timezone : 'UTC';
      return trends(ctx.em, workspaceId, args.range, args.bucket, timezone, args.types);
    },
  }),
}));
