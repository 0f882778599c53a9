// The database itself guarantees one event per (integration, idempotency key), whatever the race and
// whichever day partitions the attempts fall in: the key lives in event_idempotency, not in the
// partitioned event table, and the pipeline's insert (insertEvents) goes through it.
import {
  createWorkspace,
  defaultRetrySchedule,
  type EntityManager,
  ensureDayPartitions,
  generateSigningSecret,
  Integration,
  insertEvents,
  newId,
  newTraceId,
  type NewEventRow,
  queryRows,
} from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../helpers/database.ts';

const DAY = 86_400_000;

describe('idempotency key', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let integrationId: string;
  let otherId: string;

  beforeAll(async () => {
    db = await openTestDatabase(20);
    const em = db.orm.em.fork();
    const { workspace } = await createWorkspace(em, 'Acme');
    const make = (name: string) =>
      em.create(Integration, {
        workspace,
        name,
        type: 'INBOUND_WEBHOOK',
        provider: 'stripe',
        providerClass: 'PAYMENTS',
        direction: 'INBOUND',
        signingSecret: generateSigningSecret(),
        retrySchedule: defaultRetrySchedule(),
      });
    const integration = make('Stripe');
    const other = make('Shopify');
    await em.flush();
    integrationId = integration.id;
    otherId = other.id;
  });
  afterAll(() => db.close());

  const row = (integration: string, key: string | null, receivedAt = new Date()): NewEventRow => ({
    id: newId(),
    integrationId: integration,
    eventType: 'invoice.paid',
    source: 'SYSTEM',
    sourceRecordId: null,
    idempotencyKey: key,
    traceId: newTraceId(),
    isTest: false,
    receivedAt,
    payloadJson: '{}',
  });
  const em = () => db.orm.em.fork() as EntityManager;
  const count = async (where: string, params: unknown[]) =>
    (await queryRows<{ n: number }>(em(), `select count(*)::int as n from event where ${where}`, params))[0]?.n;

  it('keeps exactly one event when 50 inserts of the same key race on 20 connections', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => insertEvents(em(), [row(integrationId, 'evt_same')])));
    expect(results.flat()).toHaveLength(1);
    expect(await count('integration_id = $1 and idempotency_key = $2', [integrationId, 'evt_same'])).toBe(1);
  });

  it('holds across day partitions: the same key yesterday and today is one event', async () => {
    const yesterday = new Date(Date.now() - DAY);
    expect(await insertEvents(em(), [row(integrationId, 'evt_across_days', yesterday)])).toHaveLength(1);
    expect(await insertEvents(em(), [row(integrationId, 'evt_across_days')])).toHaveLength(0);
    // Yesterday had no partition in this database: the row waited in the default partition and moves
    // into its day's partition when that is created.
    await ensureDayPartitions(em(), yesterday, new Date());
    expect(await insertEvents(em(), [row(integrationId, 'evt_across_days')])).toHaveLength(0);
    const parts = await queryRows<{ p: string }>(
      em(),
      `select tableoid::regclass::text as p from event where idempotency_key = 'evt_across_days'`,
    );
    expect(parts.map((r) => r.p)).toEqual([`event_p${yesterday.toISOString().slice(0, 10).replaceAll('-', '')}`]);
  });

  it('allows the same key on another integration and any number of events without a key', async () => {
    const before = await count('true', []);
    const created = await insertEvents(em(), [row(otherId, 'evt_same'), row(integrationId, null), row(integrationId, null)]);
    expect(created).toHaveLength(3);
    expect(await count('true', [])).toBe((before ?? 0) + 3);
  });
});
