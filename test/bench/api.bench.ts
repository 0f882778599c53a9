#!/usr/bin/env node
// API read-path benchmark: generates N events (default 1,000,000) over 30 days into a fresh
// PostgreSQL database, starts the real server, and times the dashboard queries and event-log pages
// end to end over HTTP (auth included). Prints p50/p95 per query.
//   node test/bench/api.bench.ts [--events 1000000] [--runs 60] [--keep] [--database NAME] [--only REGEXP]
// PostgreSQL: SWITCHBOARD_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
import { parseArgs } from 'node:util';
import { generateDemoData, migrate, openDatabase } from '@switchboard/db';
import { buildApp, createLogger, loadConfig } from '@switchboard/server';
import pg from 'pg';
import { BENCH_SECRET_KEY, type BenchFigure, reportFigures } from './bench-util.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '60' },
    keep: { type: 'boolean', default: false },
    /** The database's name (default sbbench_api_<events>): --keep reuses it, so give runs that must not share one their own. */
    database: { type: 'string' },
    /** Only the queries whose name matches this regular expression (e.g. --only 'trends|overview'). */
    only: { type: 'string' },
  },
});
const EVENTS = Number(values.events);
const RUNS = Number(values.runs);
const ROOT = 'bench-root-key-0123456789abcdef';
const admin = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbName = values.database ?? `sbbench_api_${EVENTS}`;
const url = Object.assign(new URL(admin), { pathname: `/${dbName}` }).toString();

async function adminSql(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function exists(): Promise<boolean> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    return (await c.query('select 1 from pg_database where datname = $1', [dbName])).rowCount === 1;
  } finally {
    await c.end();
  }
}

const reuse = values.keep && (await exists());
if (!reuse) {
  await adminSql(`drop database if exists "${dbName}" with (force)`);
  await adminSql(`create database "${dbName}"`);
  const db = await openDatabase({ databaseUrl: url, poolSize: 2 });
  await migrate(db.orm);
  await db.close();
}

const config = loadConfig({
  DATABASE_URL: url,
  SWITCHBOARD_SECRET_KEY: BENCH_SECRET_KEY,
  PORT: '0',
  SWITCHBOARD_ROOT_KEY: ROOT,
  SWITCHBOARD_WORKER: '0',
  SWITCHBOARD_API_RATE_LIMIT: '0',
  SWITCHBOARD_WEB_DIR: '/nonexistent',
  LOG_LEVEL: 'silent',
});
const app = await buildApp(config, { logger: createLogger('silent') });
const base = await app.start(0);

async function gql(key: string, query: string, variables?: unknown): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const now = new Date();
let key: string;
const keyFile = `/tmp/${dbName}.key`;
if (reuse) {
  const { readFileSync } = await import('node:fs');
  key = readFileSync(keyFile, 'utf8');
} else {
  const w = await gql(ROOT, 'mutation { createWorkspace(name: "Bench", timezone: "Europe/Berlin") { adminKey workspace { id } } }');
  const created = (w.data as { createWorkspace: { adminKey: string; workspace: { id: string } } }).createWorkspace;
  key = created.adminKey;
  const workspaceId = created.workspace.id.slice(3).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const started = performance.now();
  const r = await generateDemoData({ url, workspaceId, events: EVENTS, days: 30, now, seed: 1, progress: true });
  console.log(`generated ${r.events} events, ${r.attempts} attempts in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await adminSql('select 1');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('vacuum analyze');
  await c.end();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(keyFile, key);
}

const day = 86400_000;
const last30 = { from: new Date(now.getTime() - 30 * day).toISOString(), to: now.toISOString() };
const last24h = { from: new Date(now.getTime() - day).toISOString(), to: now.toISOString() };
// A cursor deep in the log: page 200 of 50.
let deepCursor: string | null = null;
{
  let after: string | null = null;
  for (let k = 0; k < 200; k++) {
    const r = await gql(key, 'query($a: String) { events(first: 100, after: $a) { pageInfo { endCursor } } }', { a: after });
    after = (r.data as { events: { pageInfo: { endCursor: string } } }).events.pageInfo.endCursor;
  }
  deepCursor = after;
}

// Search targets (issue 14): a recent event's public id and trace id, and a payload value.
const recent = (
  (await gql(key, '{ events(first: 1, filter: { statuses: [DELIVERED] }) { edges { node { id traceId payload } } } }')).data as {
    events: { edges: Array<{ node: { id: string; traceId: string; payload: { data?: { email?: string } } | null } }> };
  }
).events.edges[0]?.node;
const searchLine = (search: string) =>
  `{ events(first: 50, filter: { search: ${JSON.stringify(search)} }) { totalCount edges { node { id eventType status lastAttempt { method url statusCode } } } } }`;

const cases: [string, string, Record<string, unknown>][] = [
  ['event log, search by event id', searchLine(recent?.id.toUpperCase().replace('EVT_', 'evt_') ?? ''), {}],
  ['event log, search by trace id (upper case)', searchLine(recent?.traceId.toUpperCase() ?? ''), {}],
  ['event log, payload key = value (rare)', searchLine('data.email = user4242@example.test'), {}],
  ['event log, payload key = value (common)', searchLine('data.stage = lead'), {}],
  [
    'event log, event-type prefix + count',
    '{ events(first: 50, filter: { eventTypePrefix: "contact." }) { totalCount edges { node { id eventType } } } }',
    {},
  ],
  [
    'event log, last attempt HTTP 503 (50)',
    '{ events(first: 50, filter: { httpStatuses: [503] }) { edges { node { id lastAttempt { statusCode } } } } }',
    {},
  ],
  [
    'overview (24 h)',
    'query($r: TimeRange!) { overview(range: $r) { succeeded failed retrying inFlight byType { type succeeded failed succeededChange failedChange } } }',
    { r: last24h },
  ],
  [
    'overview (30 days)',
    'query($r: TimeRange!) { overview(range: $r) { succeeded failed retrying inFlight byType { type succeeded failed succeededChange failedChange } } }',
    { r: last30 },
  ],
  [
    'failuresByErrorCode (30 days)',
    'query($r: TimeRange!) { failuresByErrorCode(range: $r) { code label category count share } }',
    { r: last30 },
  ],
  [
    'trends (30 days, HOUR)',
    'query($r: TimeRange!) { trends(range: $r, bucket: HOUR) { type points { bucketStart succeeded failed } } }',
    { r: last30 },
  ],
  [
    'trends (30 days, DAY)',
    'query($r: TimeRange!) { trends(range: $r, bucket: DAY) { type points { bucketStart succeeded failed } } }',
    { r: last30 },
  ],
  [
    'failureGroups (30 days, 25)',
    'query($r: TimeRange!) { failureGroups(range: $r) { edges { node { errorCode totalErrors integration { name } } } } }',
    { r: last30 },
  ],
  [
    'event log, first page (50)',
    '{ events(first: 50) { edges { cursor node { id eventType status receivedAt errorCode integration { name type } } } pageInfo { hasNextPage endCursor } } }',
    {},
  ],
  [
    'event log, page at depth 20,000 (50)',
    'query($a: String) { events(first: 50, after: $a) { edges { cursor node { id eventType status receivedAt errorCode integration { name type } } } pageInfo { hasNextPage endCursor } } }',
    { a: deepCursor },
  ],
  [
    'event log, FAILED filter (50)',
    '{ events(first: 50, filter: { statuses: [FAILED] }) { edges { node { id errorCode integration { name } } } } }',
    {},
  ],
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};

console.log(`\n${EVENTS.toLocaleString('en-US')} events, ${RUNS} runs each, over HTTP (ms):`);
console.log('query'.padEnd(40), 'p50'.padStart(8), 'p95'.padStart(8));
const figures: BenchFigure[] = [];
for (const [name, query, variables] of cases) {
  if (values.only && !new RegExp(values.only).test(name)) continue;
  const r = await gql(key, query, variables);
  if (r.errors) throw new Error(`${name}: ${JSON.stringify(r.errors)}`);
  for (let k = 0; k < 5; k++) await gql(key, query, variables);
  const times: number[] = [];
  for (let k = 0; k < RUNS; k++) {
    const t0 = performance.now();
    await gql(key, query, variables);
    times.push(performance.now() - t0);
  }
  console.log(name.padEnd(40), pct(times, 50).toFixed(1).padStart(8), pct(times, 95).toFixed(1).padStart(8));
  const target = name.startsWith('event log') ? 20 : 50;
  figures.push({ name: `${name}, p95`, value: pct(times, 95), unit: 'ms', better: 'lower', target });
  figures.push({ name: `${name}, p50`, value: pct(times, 50), unit: 'ms', better: 'lower' });
}
reportFigures('api', { events: EVENTS, runs: RUNS, reused: reuse, only: values.only ?? null }, figures);

await app.stop();
if (!values.keep) await adminSql(`drop database if exists "${dbName}" with (force)`);
