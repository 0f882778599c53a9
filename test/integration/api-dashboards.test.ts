// Dashboard numbers against a brute-force count over the raw events, on generated data: several
// ranges (hour-aligned, ragged edges, inside one hour, across a month boundary and a DST change),
// HOUR and DAY buckets in a non-UTC workspace timezone, failure groups and integration health.
import { generateDemoData, INTEGRATION_TYPES } from '@switchboard/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, type Json, recordingClient } from '../helpers/api.ts';
import { sqlQuery, uuidOf } from '../helpers/seed-events.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const TZ = 'Europe/Berlin';
const NOW = new Date('2026-11-10T13:17:42.123Z');
let s: TestServer;
let gql: ReturnType<typeof recordingClient>['gql'];
let admin: string;
let ws: string;

beforeAll(async () => {
  s = await startTestServer({ SWITCHBOARD_API_RATE_LIMIT: '0', SWITCHBOARD_WORKER: '0' });
  gql = recordingClient(s).gql;
  const w = await s.createWorkspace('Dash', TZ);
  admin = w.adminKey;
  ws = uuidOf(w.workspaceId);
  await generateDemoData({ url: s.testDb.url, workspaceId: ws, events: 30_000, days: 40, now: NOW, seed: 7, progress: false });
}, 120_000);
afterAll(() => s.close());

const RANGES: [string, string, string][] = [
  ['hour-aligned week', '2026-11-03T13:00:00Z', '2026-11-10T13:00:00Z'],
  ['ragged, across the month boundary', '2026-10-30T22:17:31.500Z', '2026-11-02T03:45:10Z'],
  ['inside one hour', '2026-11-05T10:05:00Z', '2026-11-05T10:50:00Z'],
  ['two partial hours', '2026-11-05T10:05:00Z', '2026-11-05T11:20:00Z'],
  ['30 days to now', '2026-10-11T13:17:42.123Z', NOW.toISOString()],
];

async function bruteCounts(from: string, to: string) {
  return sqlQuery<{ integration_type: string; status: string; n: number }>(
    s.testDb.url,
    `select integration_type, status, count(*)::int as n from event where workspace_id = $1 and received_at >= $2 and received_at < $3 group by 1, 2`,
    [ws, from, to],
  );
}

const sum = (rows: { n: number }[], pick: (r: Json) => boolean) => rows.filter(pick).reduce((a, r) => a + r.n, 0);

describe.each(RANGES)('%s', (_name, from, to) => {
  it('overview matches a count of raw events (current and previous period)', async () => {
    const r = await gql(
      admin,
      `query($r: TimeRange!) { overview(range: $r) { from to succeeded failed retrying inFlight
      byType { type succeeded failed previousSucceeded previousFailed succeededChange failedChange } } }`,
      { r: { from, to } },
    );
    expect(r.errors).toBeUndefined();
    const o = r.data.overview;
    const cur = await bruteCounts(from, to);
    const len = Date.parse(to) - Date.parse(from);
    const prev = await bruteCounts(new Date(Date.parse(from) - len).toISOString(), from);
    expect(o.succeeded).toBe(sum(cur, (x) => x.status === 'DELIVERED'));
    expect(o.failed).toBe(sum(cur, (x) => x.status === 'FAILED'));
    expect(o.retrying).toBe(sum(cur, (x) => x.status === 'RETRYING'));
    expect(o.inFlight).toBe(sum(cur, (x) => x.status === 'RECEIVED' || x.status === 'PROCESSING'));
    expect(o.byType.map((t: Json) => t.type)).toEqual([...INTEGRATION_TYPES]);
    for (const t of o.byType) {
      const ps = sum(prev, (x) => x.integration_type === t.type && x.status === 'DELIVERED');
      const pf = sum(prev, (x) => x.integration_type === t.type && x.status === 'FAILED');
      expect(t.succeeded).toBe(sum(cur, (x) => x.integration_type === t.type && x.status === 'DELIVERED'));
      expect(t.failed).toBe(sum(cur, (x) => x.integration_type === t.type && x.status === 'FAILED'));
      expect(t.previousSucceeded).toBe(ps);
      expect(t.previousFailed).toBe(pf);
      expect(t.succeededChange).toBe(ps === 0 ? null : ((t.succeeded - ps) / ps) * 100);
      expect(t.failedChange).toBe(pf === 0 ? null : ((t.failed - pf) / pf) * 100);
    }
  });

  it('failuresByErrorCode matches, overall and narrowed by type and integration', async () => {
    const brute = async (extra: string, params: unknown[]) =>
      sqlQuery<{ code: string; n: number }>(
        s.testDb.url,
        `select coalesce(error_code, '') as code, count(*)::int as n from event
         where workspace_id = $1 and received_at >= $2 and received_at < $3 and status = 'FAILED' ${extra} group by 1`,
        [ws, from, to, ...params],
      );
    const check = async (args: string, vars: Json, want: { code: string; n: number }[]) => {
      const decl = `${'t' in vars ? ', $t: [IntegrationType!]' : ''}${'i' in vars ? ', $i: ID' : ''}`;
      const r = await gql(
        admin,
        `query($r: TimeRange!${decl}) { failuresByErrorCode(range: $r${args}) { code label category count share } }`,
        {
          r: { from, to },
          ...vars,
        },
      );
      expect(r.errors).toBeUndefined();
      const got = r.data.failuresByErrorCode;
      const total = want.reduce((a, w) => a + w.n, 0);
      expect(Object.fromEntries(got.map((g: Json) => [g.code, g.count]))).toEqual(
        Object.fromEntries(want.map((w) => [w.code || 'UNKNOWN', w.n])),
      );
      for (const g of got) expect(g.share).toBeCloseTo(g.count / total, 10);
      for (let k = 1; k < got.length; k++) expect(got[k - 1].count).toBeGreaterThanOrEqual(got[k].count);
    };
    await check('', {}, await brute('', []));
    await check(', types: $t', { t: ['PREBUILT', 'CUSTOM_NODE'] }, await brute(`and integration_type in ('PREBUILT', 'CUSTOM_NODE')`, []));
    const [top] = await sqlQuery<{ id: string }>(
      s.testDb.url,
      `select integration_id as id from event where workspace_id = $1 and status = 'FAILED' group by 1 order by count(*) desc limit 1`,
      [ws],
    );
    const pub = `int_${(top as { id: string }).id.replaceAll('-', '')}`;
    await check(', integrationId: $i', { i: pub }, await brute('and integration_id = $4', [(top as { id: string }).id]));
  });

  it('failureGroups matches integration × code totals and first/last seen, across pages', async () => {
    const want = await sqlQuery<{ id: string; code: string; n: number; first: Date; last: Date }>(
      s.testDb.url,
      `select integration_id as id, coalesce(error_code, '') as code, count(*)::int as n, min(received_at) as first, max(received_at) as last
       from event where workspace_id = $1 and received_at >= $2 and received_at < $3 and status = 'FAILED' group by 1, 2`,
      [ws, from, to],
    );
    const got: Json[] = [];
    let after: string | null = null;
    for (;;) {
      const r: Json = await gql(
        admin,
        `query($r: TimeRange!, $a: String) { failureGroups(range: $r, first: 7, after: $a) {
        edges { node { integration { id service flow } errorCode description service flow totalErrors firstSeenAt lastSeenAt } } pageInfo { hasNextPage endCursor } } }`,
        {
          r: { from, to },
          a: after,
        },
      );
      expect(r.errors).toBeUndefined();
      got.push(...r.data.failureGroups.edges.map((e: Json) => e.node));
      if (!r.data.failureGroups.pageInfo.hasNextPage) break;
      after = r.data.failureGroups.pageInfo.endCursor;
    }
    expect(got.length).toBe(want.length);
    for (let k = 1; k < got.length; k++) expect(got[k - 1].totalErrors).toBeGreaterThanOrEqual(got[k].totalErrors);
    const byKey = new Map(want.map((w) => [`int_${w.id.replaceAll('-', '')}|${w.code || 'UNKNOWN'}`, w]));
    for (const g of got) {
      const w = byKey.get(`${g.integration.id}|${g.errorCode}`);
      expect(w, `${g.integration.id} ${g.errorCode}`).toBeDefined();
      expect(g.totalErrors).toBe(w?.n);
      expect(Date.parse(g.firstSeenAt)).toBe(new Date(w?.first as Date).getTime());
      expect(Date.parse(g.lastSeenAt)).toBe(new Date(w?.last as Date).getTime());
      expect(g.service).toBe(g.integration.service);
    }
  });

  it('Integration.health matches per-integration counts', async () => {
    const r = await gql(
      admin,
      `query($r: TimeRange!) { integrations(first: 100) { edges { node { id health(range: $r) { delivered failed retrying successRate } } } } }`,
      {
        r: { from, to },
      },
    );
    expect(r.errors).toBeUndefined();
    const rows = await sqlQuery<{ id: string; status: string; n: number }>(
      s.testDb.url,
      `select integration_id as id, status, count(*)::int as n from event where workspace_id = $1 and received_at >= $2 and received_at < $3 group by 1, 2`,
      [ws, from, to],
    );
    for (const { node } of r.data.integrations.edges) {
      const mine = rows.filter((x) => `int_${x.id.replaceAll('-', '')}` === node.id);
      const d = sum(mine, (x) => x.status === 'DELIVERED');
      const f = sum(mine, (x) => x.status === 'FAILED');
      const rt = sum(mine, (x) => x.status === 'RETRYING');
      // A retrying event is not (yet) a success: it counts against the rate.
      expect(node.health).toEqual({ delivered: d, failed: f, retrying: rt, successRate: d + f + rt === 0 ? null : d / (d + f + rt) });
    }
  });
});

describe('trends', () => {
  async function bruteBuckets(from: string, to: string, unit: 'hour' | 'day', tz: string) {
    return sqlQuery<{ type: string; b: Date; s: number; f: number }>(
      s.testDb.url,
      `select integration_type as type, date_trunc('${unit}', received_at at time zone $4) at time zone $4 as b,
         (count(*) filter (where status = 'DELIVERED'))::int as s, (count(*) filter (where status = 'FAILED'))::int as f
       from event where workspace_id = $1 and received_at >= $2 and received_at < $3 group by 1, 2`,
      [ws, from, to, tz],
    );
  }

  it.each([
    ['HOUR', '2026-10-11T13:00:00Z', '2026-11-10T13:00:00Z'],
    ['HOUR', '2026-10-31T20:30:00Z', '2026-11-01T04:10:00Z'],
    // Edge hours mostly inside the range: read as the hour's rollup less the events outside it.
    ['HOUR', '2026-10-31T20:10:00Z', '2026-11-01T04:55:00Z'],
    ['DAY', '2026-10-24T09:05:00Z', '2026-10-27T17:58:00Z'],
    ['DAY', '2026-10-19T22:00:00Z', '2026-11-04T23:00:00Z'],
    ['DAY', '2026-10-24T09:13:00Z', '2026-10-27T17:45:00Z'],
  ])('%s buckets from %s to %s match, every bucket present', async (bucket, from, to) => {
    const r = await gql(
      admin,
      `query($r: TimeRange!, $b: TimeBucket!) { trends(range: $r, bucket: $b) { type points { bucketStart succeeded failed } } }`,
      {
        r: { from, to },
        b: bucket,
      },
    );
    expect(r.errors).toBeUndefined();
    const series = r.data.trends;
    expect(series.map((x: Json) => x.type)).toEqual([...INTEGRATION_TYPES]);
    const unit = bucket === 'HOUR' ? 'hour' : 'day';
    const tz = bucket === 'HOUR' ? 'UTC' : TZ;
    const [{ starts }] = (await sqlQuery<{ starts: Date[] }>(
      s.testDb.url,
      `select array_agg(g at time zone $3 order by g) as starts from generate_series(date_trunc('${unit}', $1::timestamptz at time zone $3), $2::timestamptz at time zone $3, '1 ${unit}') g
       where (g at time zone $3) < $2::timestamptz`,
      [from, to, tz],
    )) as [{ starts: Date[] }];
    const brute = await bruteBuckets(from, to, unit, tz);
    const want = new Map(brute.map((x) => [`${x.type}|${new Date(x.b).getTime()}`, x]));
    for (const sr of series) {
      expect(sr.points.map((p: Json) => Date.parse(p.bucketStart))).toEqual(starts.map((d) => new Date(d).getTime()));
      for (const p of sr.points) {
        const w = want.get(`${sr.type}|${Date.parse(p.bucketStart)}`);
        expect({ s: p.succeeded, f: p.failed }).toEqual({ s: w?.s ?? 0, f: w?.f ?? 0 });
      }
    }
    if (bucket === 'DAY') {
      // Local midnights: 22:00Z before the DST change on 25 October, 23:00Z after it.
      const hours = new Set(series[0].points.map((p: Json) => new Date(p.bucketStart).getUTCHours()));
      expect([...hours].every((h) => h === 22 || h === 23)).toBe(true);
    }
  });

  it('refuses an empty or reversed range', async () => {
    const r = await gql(admin, `{ trends(range: { from: "2026-11-02T00:00:00Z", to: "2026-11-01T00:00:00Z" }, bucket: HOUR) { type } }`);
    expect(codeOf(r)).toBe('BAD_USER_INPUT');
  });

  // A query of trends alone runs compiled (server/src/http/use-large-answer-jit.ts); beside another root
  // field it runs through graphql-js. Both must answer alike, refuse alike and check scopes alike.
  const TRENDS = `trends(range: $r, bucket: $b) { type points { bucketStart succeeded failed retrying partial } }`;
  const range = { from: '2026-10-11T13:17:42.123Z', to: NOW.toISOString() };

  it('answers the same compiled as through graphql-js', async () => {
    for (const b of ['HOUR', 'DAY']) {
      const compiled = await gql(admin, `query($r: TimeRange!, $b: TimeBucket!) { ${TRENDS} }`, { r: range, b });
      const interpreted = await gql(admin, `query($r: TimeRange!, $b: TimeBucket!) { ${TRENDS} overview(range: $r) { failed } }`, {
        r: range,
        b,
      });
      expect(compiled.errors).toBeUndefined();
      expect(interpreted.errors).toBeUndefined();
      expect(compiled.data.trends.length).toBe(INTEGRATION_TYPES.length);
      expect(compiled.data.trends).toEqual(interpreted.data.trends);
    }
  });

  it('refuses bad variables and a key without READ the same way when compiled', async () => {
    const post = async (key: string, variables: Json) => {
      const res = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: `query($r: TimeRange!, $b: TimeBucket!) { ${TRENDS} }`, variables }),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const badBucket = await post(admin, { r: range, b: 'WEEK' });
    expect(badBucket.status).toBe(400);
    expect(badBucket.body.errors[0].message).toMatch(/WEEK/);
    const badDate = await post(admin, { r: { from: 'yesterday', to: range.to }, b: 'HOUR' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors[0].message).toMatch(/"\$r".*"r\.from"/);
    const reversed = await post(admin, { r: { from: range.to, to: range.from }, b: 'HOUR' });
    expect(reversed.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const tooMany = await post(admin, { r: { from: '2000-01-01T00:00:00Z', to: range.to }, b: 'HOUR' });
    expect(tooMany.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const ingestOnly = (await gql(admin, 'mutation { createApiKey(name: "ingest only", scopes: [INGEST]) { key } }')).data.createApiKey
      .key as string;
    const forbidden = await post(ingestOnly, { r: range, b: 'HOUR' });
    expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(forbidden.body.data ?? null).toBeNull();
  });
});
