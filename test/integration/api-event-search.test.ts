// The event log's search and filters (issue 14, items 8-9): an event id as receivers see it, a trace id
// in any case, an event-type prefix, key = value inside payloads, the last attempt's HTTP status and
// method, a capped total, oldest first. Seeded rows (no worker): every expected set is known exactly.
import { MAX_LOG_COUNT } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, type GqlResult, recordingClient } from '../helpers/api.ts';
import { type SeededEvent, seedEvents, sqlQuery, uuidOf } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let gql: ReturnType<typeof recordingClient>['gql'];
let admin: string;
let other: string;
let seeded: SeededEvent[];
const pub = (e: SeededEvent) => `evt_${e.id.replaceAll('-', '')}`;
const LOG = `query($f: EventFilter, $o: EventOrder, $first: Int) { events(filter: $f, orderBy: $o, first: $first) {
  totalCount totalCountCapped edges { node { id eventType status lastAttempt { method url statusCode } } } } }`;

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_WORKER: '0' });
  gql = recordingClient(s).gql;
  const w = await s.createWorkspace('Search');
  admin = w.adminKey;
  other = (await s.createWorkspace('Elsewhere')).adminKey;
  const integrationId = (
    await gql(admin, 'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }', {
      i: { name: 'Shop', type: 'OUTBOUND_WEBHOOK', provider: 'shopify', destinationUrl: 'https://shop.example/hook' },
    })
  ).data.createIntegration.integration.id as string;
  const kinds = [
    { eventType: 'order.created', status: 'DELIVERED' },
    { eventType: 'order.paid', status: 'FAILED', errorCode: '401' },
    { eventType: 'customer.created', status: 'FAILED', errorCode: '503' },
    { eventType: 'orders.sync', status: 'RECEIVED' },
  ] as const;
  seeded = await seedEvents(
    s.testDb.url,
    uuidOf(w.workspaceId),
    Array.from({ length: 40 }, (_, k) => ({
      ...kinds[k % 4]!,
      integrationId: uuidOf(integrationId),
      integrationType: 'OUTBOUND_WEBHOOK' as const,
      receivedAt: new Date(Date.now() - (40 - k) * 60_000),
    })),
  );
  // Real payloads for two of them; one expired (nulled) payload that held the same email.
  await sqlQuery(
    s.testDb.url,
    `update event set payload = '{"customer":{"email":"grace@example.com","id":42},"total":19.5}' where id = $1`,
    [seeded[5]!.id],
  );
  await sqlQuery(s.testDb.url, `update event set payload = '{"customer":{"email":"ada@example.com","id":7}}' where id = $1`, [
    seeded[6]!.id,
  ]);
  await sqlQuery(s.testDb.url, `update event set payload = null, payload_expired = true where id = $1`, [seeded[7]!.id]);
  // One attempt answered by a GET (a destination configured that way) for the method filter.
  await sqlQuery(s.testDb.url, `update delivery_attempt set request_method = 'PUT' where event_id = $1`, [seeded[1]!.id]);
}, 60_000);
afterAll(() => s?.close());

const ids = (r: GqlResult) => (r.data?.events.edges ?? []).map((e: { node: { id: string } }) => e.node.id);

describe('event log search', () => {
  it('finds an event by its id (any case), by trace id in any case, never across workspaces', async () => {
    const e = seeded[9]!;
    expect(ids(await gql(admin, LOG, { f: { search: pub(e) } }))).toEqual([pub(e)]);
    expect(ids(await gql(admin, LOG, { f: { search: pub(e).toUpperCase().replace('EVT_', 'evt_') } }))).toEqual([pub(e)]);
    expect(ids(await gql(admin, LOG, { f: { search: e.traceId.toUpperCase() } }))).toEqual([pub(e)]);
    expect(ids(await gql(other, LOG, { f: { search: pub(e) } }))).toEqual([]);
    expect(ids(await gql(other, LOG, { f: { search: e.traceId } }))).toEqual([]);
  });

  it('filters by event-type prefix (not a pattern: "_" and "%" are literal)', async () => {
    const r = await gql(admin, LOG, { f: { eventTypePrefix: 'order.' }, first: 100 });
    expect(r.errors).toBeUndefined();
    expect(new Set(r.data.events.edges.map((x: { node: { eventType: string } }) => x.node.eventType))).toEqual(
      new Set(['order.created', 'order.paid']),
    );
    expect(r.data.events.totalCount).toBe(20);
    expect((await gql(admin, LOG, { f: { eventTypePrefix: 'order%' } })).data.events.totalCount).toBe(0);
  });

  it('finds key = value and JSON inside payloads (kept ones only)', async () => {
    expect(ids(await gql(admin, LOG, { f: { search: 'customer.email = grace@example.com' } }))).toEqual([pub(seeded[5]!)]);
    expect(ids(await gql(admin, LOG, { f: { search: 'customer.id = 7' } }))).toEqual([pub(seeded[6]!)]);
    expect(ids(await gql(admin, LOG, { f: { search: '{"total": 19.5}' } }))).toEqual([pub(seeded[5]!)]);
    expect(ids(await gql(admin, LOG, { f: { search: 'customer.email = nobody@example.com' } }))).toEqual([]);
    expect(ids(await gql(other, LOG, { f: { search: 'customer.email = grace@example.com' } }))).toEqual([]);
  });

  it("filters by the last attempt's HTTP status and method, and shows them", async () => {
    const r401 = await gql(admin, LOG, { f: { httpStatuses: [401] }, first: 100 });
    expect(r401.errors).toBeUndefined();
    expect(r401.data.events.totalCount).toBe(10);
    expect(
      r401.data.events.edges.every(
        (x: { node: { eventType: string; lastAttempt: { statusCode: number } } }) =>
          x.node.eventType === 'order.paid' && x.node.lastAttempt.statusCode === 401,
      ),
    ).toBe(true);
    expect(ids(await gql(admin, LOG, { f: { methods: ['put'] } }))).toEqual([pub(seeded[1]!)]);
    const received = await gql(admin, LOG, { f: { statuses: ['RECEIVED'] }, first: 1 });
    expect(received.data.events.edges[0].node.lastAttempt).toBeNull();
    const delivered = await gql(admin, LOG, { f: { statuses: ['DELIVERED'] }, first: 1 });
    expect(delivered.data.events.edges[0].node.lastAttempt).toEqual({
      method: 'POST',
      url: 'https://receiver.example/hook',
      statusCode: 200,
    });
  });

  it('counts the total (capped), sorts oldest first, and refuses a malformed filter with a clear error', async () => {
    const all = await gql(admin, LOG, { first: 5, o: 'RECEIVED_AT_ASC' });
    expect(all.data.events).toMatchObject({ totalCount: 40, totalCountCapped: false });
    expect(ids(all)).toEqual(seeded.slice(0, 5).map(pub));
    expect(MAX_LOG_COUNT).toBe(10_000);
    const bad = await gql(admin, LOG, { f: { httpStatuses: ['x'] } });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
  });
});
