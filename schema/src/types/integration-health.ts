// Integration.health: delivered / failed / retrying from the rollups (batched over a page of
// integrations) plus the integration row's failure streak, last activity and rate-limit snapshot.
import {
  healthCounts,
  type HealthCounts,
  type Integration,
  type RateLimitSnapshot,
  rateLimitIsStale,
  rateLimitResetAt,
  successRateOf,
} from '@switchboard/db';
import DataLoader from 'dataloader';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import { workspaceIdOf } from '../viewer.ts';
import { TimeRangeInput } from './enums.ts';
import { IntegrationRef } from './integration.ts';

export const RateLimitSnapshotRef = builder.objectRef<RateLimitSnapshot>('RateLimitSnapshot').implement({
  fields: (t) => ({
    max: t.int({ nullable: true, resolve: (r) => r.max ?? null }),
    remaining: t.int({ nullable: true, resolve: (r) => r.remaining ?? null }),
    dailyLimit: t.int({ nullable: true, resolve: (r) => r.dailyLimit ?? null }),
    dailyRemaining: t.int({ nullable: true, resolve: (r) => r.dailyRemaining ?? null }),
    retryAfterSeconds: t.int({ nullable: true, resolve: (r) => r.retryAfterSeconds ?? null }),
    observedAt: t.field({ type: 'DateTime', resolve: (r) => r.observedAt }),
    resetAt: t.field({
      type: 'DateTime',
      description:
        'When the quota seen has renewed: observedAt + retryAfterSeconds when the destination said; for a daily quota alone the next UTC midnight; else observedAt + 10 minutes (windows span seconds to minutes).',
      resolve: (r) => rateLimitResetAt(r),
    }),
    stale: t.boolean({
      description: 'resetAt has passed with no newer snapshot: the numbers describe a quota that has renewed since.',
      resolve: (r) => rateLimitIsStale(r),
    }),
  }),
});

interface HealthShape extends HealthCounts {
  integration: Integration;
}

const IntegrationHealthRef = builder.objectRef<HealthShape>('IntegrationHealth').implement({
  fields: (t) => ({
    delivered: t.exposeInt('delivered'),
    failed: t.exposeInt('failed'),
    retrying: t.exposeInt('retrying'),
    successRate: t.float({
      nullable: true,
      description:
        'delivered / (delivered + failed + retrying), 0..1: a retrying event is not (yet) a success (the same definition as Overview.successRate). Null when all are 0.',
      resolve: (h) => successRateOf(h),
    }),
    consecutiveFailures: t.int({ resolve: (h) => h.integration.consecutiveFailures }),
    lastEventAt: t.field({ type: 'DateTime', nullable: true, resolve: (h) => h.integration.lastEventAt ?? null }),
    lastFailureAt: t.field({ type: 'DateTime', nullable: true, resolve: (h) => h.integration.lastFailureAt ?? null }),
    rateLimit: t.field({
      type: RateLimitSnapshotRef,
      nullable: true,
      description: 'The latest one observed.',
      resolve: (h) => h.integration.lastRateLimit ?? null,
    }),
  }),
});

// One "now" per request, so every integration of a page shares the default range and one batch.
const requestNow = new WeakMap<object, Date>();
function nowOf(ctx: GraphQLContext): Date {
  let now = requestNow.get(ctx);
  if (!now) {
    now = new Date();
    requestNow.set(ctx, now);
  }
  return now;
}

function healthLoader(ctx: GraphQLContext): DataLoader<string, HealthCounts> {
  let loader = loaders.get(ctx);
  if (!loader) {
    // Key: "<from ms>|<to ms>|<integration id>"; a page asks with one range, so one query.
    loader = new DataLoader<string, HealthCounts>(async (keys) => {
      const byRange = new Map<string, string[]>();
      for (const k of keys) {
        const [from, to, id] = k.split('|') as [string, string, string];
        const rk = `${from}|${to}`;
        byRange.set(rk, [...(byRange.get(rk) ?? []), id]);
      }
      const results = new Map<string, HealthCounts>();
      for (const [rk, ids] of byRange) {
        const [from, to] = rk.split('|').map(Number) as [number, number];
        const counts = await healthCounts(ctx.em, workspaceIdOf(ctx), ids, { from: new Date(from), to: new Date(to) });
        for (const [id, c] of counts) results.set(`${rk}|${id}`, c);
      }
      return keys.map((k) => results.get(k) ?? { delivered: 0, failed: 0, retrying: 0 });
    });
    loaders.set(ctx, loader);
  }
  return loader;
}
const loaders = new WeakMap<object, DataLoader<string, HealthCounts>>();

builder.objectField(IntegrationRef, 'health', (t) =>
  t.field({
    type: IntegrationHealthRef,
    description: 'Default range: the last 24 hours.',
    args: { range: t.arg({ type: TimeRangeInput }) },
    resolve: async (i, args, ctx) => {
      const to = args.range?.to ?? nowOf(ctx);
      const from = args.range?.from ?? new Date(to.getTime() - 24 * 3600_000);
      const counts = await healthLoader(ctx).load(`${from.getTime()}|${to.getTime()}|${i.id}`);
      return { ...counts, integration: i };
    },
  }),
);
