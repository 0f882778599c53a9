// The event log over HTTP: keyset pages without duplicates or gaps while events arrive, every
// filter, both orders, node lookups, test events and replays, and a constant number of SQL
// statements for a page of 100 events with their integration, attempts and health.
import { Event, type EventStatus, type IntegrationType } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, type Json, recordingClient } from '../helpers/api.ts';
import { countStatements } from '../helpers/sql-counter.ts';
import { type SeededEvent, seedEvents, uuidOf } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let gql: ReturnType<typeof recordingClient>['gql'];
let admin: string;
let workspaceId: string;
const integrations: { id: string; uuid: string; type: IntegrationType }[] = [];
let seeded: SeededEvent[] = [];
/** Events added by later tests (arrivals while paging). */
const extra: SeededEvent[] = [];
const BASE = Date.parse('2026-10-01T00:00:00Z');
const STATUSES: EventStatus[] = ['DELIVERED', 'DELIVERED', 'FAILED', 'RETRYING', 'RECEIVED', 'PROCESSING'];
const encode = (uuid: string) => `evt_${uuid.replaceAll('-', '')}`;

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_WORKER: '0' });
  gql = recordingClient(s).gql;
  const ws = await s.createWorkspace('Events');
  admin = ws.adminKey;
  workspaceId = uuidOf(ws.workspaceId);
  for (const [type, extra] of [
    ['OUTBOUND_WEBHOOK', { destinationUrl: 'https://a.example/h' }],
    ['INBOUND_WEBHOOK', {}],
    ['PREBUILT', { destinationUrl: 'https://b.example/api' }],
  ] as const) {
    const r = await gql(admin, 'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }', {
      i: { name: `I ${type}`, type, provider: 'generic', ...extra },
    });
    const id = r.data.createIntegration.integration.id;
    integrations.push({ id, uuid: uuidOf(id), type });
  }
  // 300 events over ~5 hours; every third pair shares a timestamp to exercise the id tie-break.
  seeded = await seedEvents(
    s.testDb.url,
    workspaceId,
    Array.from({ length: 300 }, (_, k) => {
      const integ = integrations[k % 3] as (typeof integrations)[number];
      const status = STATUSES[k % STATUSES.length] as EventStatus;
      return {
        integrationId: integ.uuid,
        integrationType: integ.type,
        receivedAt: new Date(BASE + Math.floor(k / 2) * 60_000),
        status,
        errorCode: status === 'FAILED' ? (k % 4 === 0 ? '401' : '503') : null,
        eventType: k % 5 === 0 ? 'invoice.paid' : 'order.created',
        sourceRecordId: `src-${k}`,
        idempotencyKey: `idem-${k}`,
      };
    }),
  );
});
afterAll(() => s.close());

const PAGE = `query($f: EventFilter, $first: Int, $after: String, $o: EventOrder) {
  events(filter: $f, first: $first, after: $after, orderBy: $o) { edges { cursor node { id receivedAt } } pageInfo { hasNextPage endCursor } } }`;

async function all(filter: Json, order = 'RECEIVED_AT_DESC', first = 37): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const r: Json = await gql(admin, PAGE, { f: filter, first, after, o: order });
    expect(r.errors).toBeUndefined();
    ids.push(...r.data.events.edges.map((e: Json) => e.node.id));
    if (!r.data.events.pageInfo.hasNextPage) return ids;
    after = r.data.events.pageInfo.endCursor;
  }
}

const byTime = (a: SeededEvent, b: SeededEvent) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : 1);

describe('pagination', () => {
  it('walks every event exactly once in both orders', async () => {
    const asc = [...seeded].sort(byTime).map((e) => encode(e.id));
    expect(
      await all({ range: { from: new Date(BASE).toISOString(), to: new Date(BASE + 86400_000).toISOString() } }, 'RECEIVED_AT_ASC'),
    ).toEqual(asc);
    expect(await all({ range: { from: new Date(BASE).toISOString(), to: new Date(BASE + 86400_000).toISOString() } })).toEqual(
      [...asc].reverse(),
    );
  });

  it('has no duplicates or gaps while new events arrive between pages', async () => {
    const integ = integrations[0] as (typeof integrations)[number];
    const before = new Set(seeded.filter((e) => e.integrationId === integ.uuid).map((e) => encode(e.id)));
    const seen: string[] = [];
    let after: string | null = null;
    let arrivals = 0;
    for (;;) {
      const r: Json = await gql(admin, PAGE, { f: { integrationId: integ.id }, first: 15, after });
      seen.push(...r.data.events.edges.map((e: Json) => e.node.id));
      // New events arrive: some newer than everything (they belong before page one), some with the
      // exact timestamp of the cursor row (the id tie-break must keep the walk consistent).
      const at = r.data.events.edges.at(-1)?.node.receivedAt;
      const added = await seedEvents(s.testDb.url, workspaceId, [
        { integrationId: integ.uuid, integrationType: integ.type, receivedAt: new Date(), status: 'RECEIVED' },
        ...(at ? [{ integrationId: integ.uuid, integrationType: integ.type, receivedAt: new Date(at), status: 'RECEIVED' as const }] : []),
      ]);
      extra.push(...added);
      arrivals++;
      if (!r.data.events.pageInfo.hasNextPage) break;
      after = r.data.events.pageInfo.endCursor;
    }
    expect(arrivals).toBeGreaterThan(5);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
  });

  it('keeps the default of 25 and refuses more than 100', async () => {
    expect((await gql(admin, '{ events { edges { cursor } } }')).data.events.edges).toHaveLength(25);
    expect(codeOf(await gql(admin, '{ events(first: 101) { edges { cursor } } }'))).toBe('BAD_USER_INPUT');
  });
});

describe('filters', () => {
  const initial = () => [...seeded, ...extra].filter((e) => e.receivedAt.getTime() < BASE + 86400_000);
  const range = { from: new Date(BASE).toISOString(), to: new Date(BASE + 86400_000).toISOString() };
  const expectIds = async (filter: Json, pick: (e: SeededEvent) => boolean) => {
    const want = initial()
      .filter(pick)
      .sort(byTime)
      .reverse()
      .map((e) => encode(e.id));
    expect(await all({ range, ...filter }, 'RECEIVED_AT_DESC', 100)).toEqual(want);
  };

  it('by integration, type, status, event type, error code, range and search', async () => {
    const i1 = integrations[1] as (typeof integrations)[number];
    await expectIds({ integrationId: i1.id }, (e) => e.integrationId === i1.uuid);
    await expectIds(
      { types: ['PREBUILT', 'INBOUND_WEBHOOK'] },
      (e) => e.integrationType === 'PREBUILT' || e.integrationType === 'INBOUND_WEBHOOK',
    );
    await expectIds({ statuses: ['FAILED', 'RETRYING'] }, (e) => e.status === 'FAILED' || e.status === 'RETRYING');
    await expectIds({ eventTypes: ['invoice.paid'] }, (e) => e.eventType === 'invoice.paid');
    await expectIds({ errorCodes: ['401'] }, (e) => e.errorCode === '401');
    await expectIds(
      { statuses: ['FAILED'], types: ['OUTBOUND_WEBHOOK'] },
      (e) => e.status === 'FAILED' && e.integrationType === 'OUTBOUND_WEBHOOK',
    );
    const from = BASE + 30 * 60_000;
    const to = BASE + 90 * 60_000;
    expect(await all({ range: { from: new Date(from).toISOString(), to: new Date(to).toISOString() } }, 'RECEIVED_AT_DESC', 100)).toEqual(
      initial()
        .filter((e) => e.receivedAt.getTime() >= from && e.receivedAt.getTime() < to)
        .sort(byTime)
        .reverse()
        .map((e) => encode(e.id)),
    );
    const probe = seeded[42] as SeededEvent;
    for (const search of [probe.traceId, probe.idempotencyKey, probe.sourceRecordId]) {
      expect(await all({ search })).toEqual([encode(probe.id)]);
    }
    expect(await all({ search: 'no-such-thing' })).toEqual([]);
    expect(await all({ integrationId: 'int_00000000000000000000000000000000' })).toEqual([]);
  });

  it('Integration.events is confined to the integration', async () => {
    const i2 = integrations[2] as (typeof integrations)[number];
    const r = await gql(
      admin,
      'query($id: ID!) { integration(id: $id) { events(first: 100) { edges { node { integration { id } } } } } }',
      { id: i2.id },
    );
    const got = r.data.integration.events.edges.map((e: Json) => e.node.integration.id);
    expect(got.length).toBe(100);
    expect(new Set(got)).toEqual(new Set([i2.id]));
  });
});

describe('one event', () => {
  it('event(id) and node(id) return every field; unknown ids are null', async () => {
    const e = seeded.find((x) => x.status === 'FAILED') as SeededEvent;
    const q = `query($id: ID!) { event(id: $id) { id eventType status source sourceRecordId destinationRecordId idempotencyKey traceId receivedAt updatedAt
      deliveredAt attemptCount nextAttemptAt errorCode errorMessage payload payloadExpired isTest statusHistory { from to at reason }
      integration { id type }
      attempts { id attemptNumber startedAt durationMs succeeded errorCode errorMessage rateLimit { max }
        request { method url headers { name value } body } response { statusCode headers { name value } body } } }
      node(id: $id) { id ... on Event { traceId } } }`;
    const r = await gql(admin, q, { id: encode(e.id) });
    expect(r.errors).toBeUndefined();
    expect(r.data.event).toMatchObject({
      id: encode(e.id),
      status: 'FAILED',
      errorCode: e.errorCode,
      traceId: e.traceId,
      payloadExpired: false,
      isTest: false,
      integration: { id: integrations.find((i) => i.uuid === e.integrationId)?.id },
      attempts: [
        { attemptNumber: 1, succeeded: false, request: { method: 'POST', headers: [{ name: 'authorization', value: '[redacted]' }] } },
      ],
    });
    expect(r.data.event.payload).toEqual({ n: expect.any(Number) });
    expect(r.data.node).toEqual({ id: encode(e.id), traceId: e.traceId });
    const attemptId = r.data.event.attempts[0].id;
    expect(
      (await gql(admin, 'query($id: ID!) { node(id: $id) { id ... on DeliveryAttempt { attemptNumber } } }', { id: attemptId })).data.node,
    ).toEqual({
      id: attemptId,
      attemptNumber: 1,
    });
    for (const id of ['evt_00000000000000000000000000000000', 'nonsense', 'int_123', `att_${e.id.replaceAll('-', '')}`]) {
      const n = await gql(admin, 'query($id: ID!) { event(id: $id) { id } node(id: $id) { id } }', { id });
      expect(n.errors, id).toBeUndefined();
      expect(n.data.event, id).toBeNull();
      if (!id.startsWith('att_')) expect(n.data.node, id).toBeNull();
    }
  });
});

describe('efficiency', () => {
  it('a page of 100 events with integration, attempts and health costs a small constant number of SQL statements', async () => {
    const statements = await countStatements(async () => {
      const r = await gql(
        admin,
        `{ events(first: 100) { edges { node { id payload integration { id name health { delivered failed successRate } stateHistory { to } }
           attempts { id response { statusCode } } } } } }`,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data.events.edges).toHaveLength(100);
    });
    // auth (key lookup) + page + integrations + health + state history + attempts + payloads
    expect(statements.length).toBeGreaterThanOrEqual(3);
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(8);
  });
});

describe('test events and replays', () => {
  it('sendTestEvent creates an event flagged as a test through the pipeline', async () => {
    const i0 = integrations[0] as (typeof integrations)[number];
    const calls: Json[] = [];
    s.app.pipeline.createEvent = async (em, input) => {
      calls.push(input);
      const e = em.create(Event, {
        workspace: input.integration.workspace,
        integration: input.integration,
        integrationType: input.integration.type,
        eventType: input.eventType,
        source: input.source,
        isTest: input.isTest ?? false,
        payload: input.payload,
        statusHistory: [],
      } as never);
      await em.flush();
      return e;
    };
    const r = await gql(
      admin,
      'mutation($id: ID!) { sendTestEvent(integrationId: $id, eventType: "ping", payload: {hello: 1}) { id isTest eventType status source payload integration { id } } }',
      {
        id: i0.id,
      },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.sendTestEvent).toMatchObject({
      isTest: true,
      eventType: 'ping',
      status: 'RECEIVED',
      source: 'USER',
      payload: { hello: 1 },
      integration: { id: i0.id },
    });
    expect(calls[0]).toMatchObject({ isTest: true, eventType: 'ping' });
  });

  it('replayEvent and replayEvents hand replayable events of this workspace to the pipeline', async () => {
    const calls: Json[] = [];
    s.app.pipeline.replayEvents = async (em, ws, ids, actor) => {
      calls.push({ ws, ids: [...ids], actor });
      await em.getConnection().execute(`update event set status = 'RECEIVED' where id in (?)`, [[...ids]]);
      return [...ids];
    };
    const failed = seeded.find((e) => e.status === 'FAILED') as SeededEvent;
    const one = await gql(admin, 'mutation($id: ID!) { replayEvent(id: $id) { id status } }', { id: encode(failed.id) });
    expect(one.errors).toBeUndefined();
    expect(one.data.replayEvent).toEqual({ id: encode(failed.id), status: 'RECEIVED' });
    expect(calls[0]).toEqual({ ws: workspaceId, ids: [failed.id], actor: 'admin' });
    const received = seeded.find((e) => e.status === 'RECEIVED') as SeededEvent;
    expect(codeOf(await gql(admin, 'mutation($id: ID!) { replayEvent(id: $id) { id } }', { id: encode(received.id) }))).toBe(
      'BAD_USER_INPUT',
    );
    const many = await gql(admin, 'mutation { replayEvents(filter: { errorCodes: ["503"] }) { count events { id status } } }');
    const want = seeded.filter((e) => e.errorCode === '503' && e.status === 'FAILED' && e.id !== failed.id);
    expect(many.data.replayEvents.count).toBe(want.length);
    expect(new Set(calls[1].ids)).toEqual(new Set(want.map((e) => e.id)));
  });
});
