// Every transition the pipeline performs, run in turn on real PostgreSQL over real and test events of
// two integrations across several hours; after each one both rollups must equal a GROUP BY over the
// events (test/helpers/rollup-drift.ts restates the rule independently of db/src/rollup/rollup-rule.ts),
// and the queue must hold exactly the events still to send, leased exactly while they are PROCESSING.
import {
  claimDueEvents,
  createWorkspace,
  defaultRetrySchedule,
  type EntityManager,
  type EventCompletion,
  expireEventPayloads,
  generateSigningSecret,
  Integration,
  type IntegrationType,
  insertEvents,
  newId,
  newTraceId,
  reclaimStuckEvents,
  recordDeliveries,
  releaseExpiredLeases,
  reopenEvents,
} from '@switchboard/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../helpers/database.ts';
import { rollupDrift } from '../helpers/rollup-drift.ts';

const HOUR = 3600_000;

describe('the one rollup rule, through every pipeline transition', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let workspaceId: string;
  const integrations: Array<{ id: string; type: IntegrationType }> = [];
  /** The claim each event is under (recording needs it). */
  const claims = new Map<string, Date>();
  const em = () => db.orm.em.fork() as EntityManager;
  let clock = Date.now();
  /** Each step runs a moment after the last (claims are told apart by their time). */
  const tick = () => {
    clock += 1000;
    return new Date(clock);
  };

  beforeAll(async () => {
    db = await openTestDatabase(4);
    const e = db.orm.em.fork();
    const { workspace } = await createWorkspace(e, 'Rollups');
    workspaceId = workspace.id;
    for (const [name, type] of [
      ['Orders out', 'OUTBOUND_WEBHOOK'],
      ['Stripe in', 'INBOUND_WEBHOOK'],
    ] as const) {
      const integration = e.create(Integration, {
        workspace,
        name,
        type,
        provider: 'generic',
        providerClass: 'OTHER',
        direction: type === 'INBOUND_WEBHOOK' ? 'INBOUND' : 'OUTBOUND',
        signingSecret: generateSigningSecret(),
        retrySchedule: defaultRetrySchedule(),
        destinationUrl: 'http://127.0.0.1:9/hook',
      });
      integrations.push({ id: integration.id, type });
    }
    await e.flush();
  });
  afterAll(() => db?.close());

  async function statuses(): Promise<
    Array<{ id: string; status: string; error_code: string | null; is_test: boolean; received_at: Date }>
  > {
    const c = new pg.Client({ connectionString: db.testDb.url });
    await c.connect();
    try {
      return (await c.query('select id, status, error_code, is_test, received_at from event order by received_at, id')).rows;
    } finally {
      await c.end();
    }
  }
  const withStatus = async (status: string) => (await statuses()).filter((e) => e.status === status);

  /**
   * The queue beside the record must agree with it: a queue row for exactly the events still to send,
   * leased exactly when the event is PROCESSING, marked as a retry exactly when it is RETRYING.
   */
  async function queueDrift(): Promise<unknown[]> {
    const c = new pg.Client({ connectionString: db.testDb.url });
    await c.connect();
    try {
      const { rows } = await c.query(
        `select e.id, e.status, q.event_id is not null as queued, q.lease_owner, q.retrying
         from event e full join event_queue q on q.event_id = e.id and q.received_at = e.received_at
         where case
           when e.id is null then true
           when e.status in ('DELIVERED', 'FAILED') then q.event_id is not null
           when q.event_id is null then true
           when e.status = 'PROCESSING' then q.lease_owner is null
           else q.lease_owner is not null or q.retrying <> (e.status = 'RETRYING') end`,
      );
      return rows;
    } finally {
      await c.end();
    }
  }

  async function claimAll(now: Date, leaseMs = 60_000): Promise<number> {
    const claimed = await claimDueEvents(em(), { now, limit: 1000, owner: 'rollup-test', leaseMs });
    for (const c of claimed) claims.set(c.id, c.claimedAt);
    return claimed.length;
  }

  /** Finishes every PROCESSING event: the i-th gets outcome(i). */
  async function recordAll(outcome: (i: number) => Pick<EventCompletion, 'status' | 'errorCode'>): Promise<number> {
    const at = tick();
    const completions: EventCompletion[] = (await withStatus('PROCESSING')).map((e, i) => {
      const o = outcome(i);
      return {
        id: e.id,
        claimedAt: claims.get(e.id) as Date,
        receivedAt: new Date(e.received_at),
        status: o.status,
        errorCode: o.errorCode,
        errorMessage: o.errorCode ? `failed with ${o.errorCode}` : null,
        // RETRYING events are due again at once, so the next claim takes them.
        nextAttemptAt: o.status === 'RETRYING' ? new Date(at.getTime() - 500) : null,
        destinationRecordId: null,
        reason: null,
        at,
      };
    });
    const { completed } = await recordDeliveries(em(), { attempts: [], completions, outcomes: [] });
    return completed.length;
  }

  // Each step returns how many events it changed: a step that changes nothing proves nothing.
  const steps: Array<[string, () => Promise<number>]> = [
    [
      'insert: new events (real and test, two integrations, three hours) count as RECEIVED',
      async () => {
        const rows = Array.from({ length: 24 }, (_, i) => {
          const integration = integrations[i % 2] as { id: string };
          return {
            id: newId(),
            integrationId: integration.id,
            eventType: 'order.created',
            source: 'USER' as const,
            sourceRecordId: null,
            idempotencyKey: null,
            traceId: newTraceId(),
            isTest: i % 5 === 0,
            receivedAt: new Date(clock - (3 - (i % 3)) * HOUR + i * 1000),
            payloadJson: JSON.stringify({ i }),
          };
        });
        return (await insertEvents(em(), rows)).length;
      },
    ],
    ['claim: RECEIVED → PROCESSING', () => claimAll(tick())],
    [
      'record: PROCESSING → DELIVERED, RETRYING (two codes) and FAILED',
      () =>
        recordAll((i) =>
          i % 4 === 0
            ? { status: 'DELIVERED', errorCode: null }
            : i % 4 === 1
              ? { status: 'RETRYING', errorCode: '503' }
              : i % 4 === 2
                ? { status: 'RETRYING', errorCode: 'TIMEOUT' }
                : { status: 'FAILED', errorCode: '400' },
        ),
    ],
    ['claim: RETRYING (with a code) → PROCESSING', () => claimAll(tick())],
    [
      'reclaim stuck: PROCESSING → RETRYING with code STUCK',
      async () => (await reclaimStuckEvents(em(), { olderThan: tick(), now: tick(), limit: 1000, reason: 'stuck' })).length,
    ],
    ['claim again, with a lease about to expire', () => claimAll(tick(), 1)],
    [
      'release an expired lease: PROCESSING → RETRYING, its code kept',
      async () => (await releaseExpiredLeases(em(), { now: tick(), limit: 1000, reason: 'lease expired' })).length,
    ],
    ['claim after the release', () => claimAll(tick())],
    [
      'record: PROCESSING → FAILED (a code replacing another) and DELIVERED (its code cleared)',
      () => recordAll((i) => (i % 2 === 0 ? { status: 'FAILED', errorCode: '500' } : { status: 'DELIVERED', errorCode: null })),
    ],
    [
      'reopen on replay: DELIVERED and FAILED → RECEIVED',
      async () => {
        const done = [...(await withStatus('DELIVERED')), ...(await withStatus('FAILED'))];
        // Half of them: the other half stays final for the payload expiry below.
        const chosen = done.filter((_, i) => i % 2 === 0).map((e) => e.id);
        return (await reopenEvents(em(), workspaceId, chosen, 'replayed', tick())).length;
      },
    ],
    ['claim the replayed events, with a lease about to expire', () => claimAll(tick(), 1)],
    [
      'release an expired lease of a first attempt of a new cycle: PROCESSING → RECEIVED',
      async () => (await releaseExpiredLeases(em(), { now: tick(), limit: 1000, reason: 'lease expired' })).length,
    ],
    ['expire payloads: no status moves, nothing recounted', () => expireEventPayloads(em(), new Date(clock + HOUR), 1000)],
  ];

  /** Every (status, error code, test or not) an event was left in by some step. */
  const visited = new Set<string>();
  for (const [name, run] of steps) {
    it(name, async () => {
      expect(await run()).toBeGreaterThan(0);
      expect(await rollupDrift(db.testDb.url)).toEqual([]);
      expect(await queueDrift()).toEqual([]);
      for (const e of await statuses()) visited.add(`${e.status}|${e.error_code ?? ''}|${e.is_test ? 'test' : 'real'}`);
    });
  }

  it('left real and test events in every status and code on the way, and counts none of the test events', async () => {
    for (const kind of ['real', 'test'])
      for (const key of [
        'RECEIVED|',
        'PROCESSING|',
        'DELIVERED|',
        'RETRYING|503',
        'RETRYING|TIMEOUT',
        'RETRYING|STUCK',
        'FAILED|400',
        'FAILED|500',
      ])
        expect(visited, `${key} ${kind}`).toContain(`${key}|${kind}`);
    const seen = await statuses();
    expect(seen.filter((e) => e.is_test).length).toBeGreaterThan(0);
    const c = new pg.Client({ connectionString: db.testDb.url });
    await c.connect();
    try {
      const { rows } = await c.query<{ a: number; b: number }>(
        `select (select coalesce(sum(count), 0)::int from event_rollup) as a, (select coalesce(sum(count), 0)::int from event_status_rollup) as b`,
      );
      const real = seen.filter((e) => !e.is_test).length;
      expect(rows[0]).toEqual({ a: real, b: real });
    } finally {
      await c.end();
    }
  });
});
