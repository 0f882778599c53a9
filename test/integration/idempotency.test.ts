// The database itself guarantees one event per (integration, idempotency key), whatever the race.
import { createWorkspace, defaultRetrySchedule, generateSigningSecret, Integration, newId } from '@switchboard/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../helpers/database.ts';

describe('idempotency key constraint', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let workspaceId: string;
  let integrationId: string;

  beforeAll(async () => {
    db = await openTestDatabase();
    const em = db.orm.em.fork();
    const { workspace } = await createWorkspace(em, 'Acme');
    const integration = em.create(Integration, {
      workspace,
      name: 'Stripe',
      type: 'INBOUND_WEBHOOK',
      provider: 'stripe',
      providerClass: 'PAYMENTS',
      direction: 'INBOUND',
      signingSecret: generateSigningSecret(),
      retrySchedule: defaultRetrySchedule(),
    });
    await em.flush();
    workspaceId = workspace.id;
    integrationId = integration.id;
  });
  afterAll(() => db.close());

  it('keeps exactly one row when 50 connections insert the same key at once', async () => {
    const clients = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const c = new pg.Client({ connectionString: db.testDb.url });
        await c.connect();
        return c;
      }),
    );
    try {
      const results = await Promise.allSettled(
        clients.map((c) =>
          c.query(
            `insert into event (id, workspace_id, integration_id, integration_type, event_type, status, source, idempotency_key,
               trace_id, received_at, updated_at, status_history)
             values ($1, $2, $3, 'INBOUND_WEBHOOK', 'invoice.paid', 'RECEIVED', 'SYSTEM', 'evt_same', md5(random()::text), now(), now(), '[]')`,
            [newId(), workspaceId, integrationId],
          ),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(rejected).toHaveLength(49);
      for (const r of rejected) expect((r.reason as { code?: string }).code).toBe('23505'); // unique_violation
      const { rows } = await clients[0]!.query('select count(*)::int as n from event where integration_id = $1 and idempotency_key = $2', [
        integrationId,
        'evt_same',
      ]);
      expect(rows[0].n).toBe(1);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('allows the same key on another integration and any number of events without a key', async () => {
    const conn = db.orm.em.fork().getConnection();
    const other = newId();
    await conn.execute(
      `insert into integration (id, workspace_id, name, type, provider, provider_class, direction, installed_at, updated_at, signing_secret, retry_schedule)
       values (?, ?, 'Shopify', 'INBOUND_WEBHOOK', 'shopify', 'ECOMMERCE', 'INBOUND', now(), now(), 'whsec_x', '[0]')`,
      [other, workspaceId],
    );
    for (const [integration, key] of [
      [other, 'evt_same'],
      [integrationId, null],
      [integrationId, null],
    ] as const) {
      await conn.execute(
        `insert into event (id, workspace_id, integration_id, integration_type, event_type, idempotency_key, trace_id, received_at, updated_at, status_history)
         values (?, ?, ?, 'INBOUND_WEBHOOK', 'orders/create', ?, 'x', now(), now(), '[]')`,
        [newId(), workspaceId, integration, key],
      );
    }
    const rows = await conn.execute<{ n: number }[]>('select count(*)::int as n from event');
    expect(rows[0]!.n).toBe(4);
  });
});
