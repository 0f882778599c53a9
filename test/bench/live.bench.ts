#!/usr/bin/env node
// Live latency: from an event's status change (its updatedAt, set in the transaction that changes it)
// to its arrival at each of N graphql-ws subscribers, while the server ingests a steady background
// load. The server runs as its own process (so its RSS is its own), and so does the destination the
// worker delivers to (a real destination is another service: sharing an event loop with 1,000
// subscribers would slow its answers, and so the worker, whenever a failure fans out); subscribers and
// the load run here. Baselines, in the same run: one subscriber with no load, and one subscriber under
// the same load (so the cost of the 1,000 to ingest and delivery shows as the difference).
//
//   node test/bench/live.bench.ts [--subscribers 1000] [--rate 2000] [--seconds 20] [--failures 5] [--idle-seconds 5]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { adminQuery, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.ts';
import { cpuOf, postgresCpu, postgresDelta, reportFigures, SERVER_NODE_FLAGS } from './bench-util.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    failures: { type: 'string', default: '5' },
    'idle-seconds': { type: 'string', default: '5' },
    // The scale-out topology: the API (ingest, GraphQL, the sockets) in one process, the delivery worker in
    // another, changes between them through the machine's Redis.
    split: { type: 'boolean', default: false },
  },
});
const SPLIT = values.split;
const REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SUBSCRIBERS = Number(values.subscribers);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const FAILURES_PER_SECOND = Number(values.failures);
const ROOT_KEY = 'bench-root-key-0123456789abcdef';
const root = path.resolve(import.meta.dirname, '..', '..');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// A destination that answers at once, in a process of its own: 500 under /fail, 200 otherwise.
const RECEIVER = `
  const server = require('node:http').createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url.startsWith('/fail')) res.writeHead(500).end('{"error":"down"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"r1"}');
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;
const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
const receiverPort = await new Promise<string>((resolve) => receiver.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())));
const receiverUrl = `http://127.0.0.1:${receiverPort}`;

const dbName = uniqueDatabaseName('sbbench_live');
await adminQuery(`create database "${dbName}"`);
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const serverEnv = (extra: Record<string, string>) => ({
  ...process.env,
  DATABASE_URL: databaseUrl(dbName),
  SWITCHBOARD_ROOT_KEY: ROOT_KEY,
  SWITCHBOARD_WEB_DIR: '/nonexistent',
  SWITCHBOARD_API_RATE_LIMIT: '0',
  SWITCHBOARD_WORKER_POLL_MS: '20',
  LOG_LEVEL: 'warn',
  ...(SPLIT ? { REDIS_URL } : {}),
  ...extra,
});
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.join(root, 'server/src/main.ts')], {
  // No circuit breaker: the Failing destination must keep producing FAILED events, however long the run.
  env: serverEnv({ PORT: String(port), SWITCHBOARD_CIRCUIT_BREAKER: '0', ...(SPLIT ? { SWITCHBOARD_WORKER: '0' } : {}) }),
  stdio: ['ignore', 'ignore', 'inherit'],
});
let workerProcess: ReturnType<typeof spawn> | undefined;
let workerBaseUrl = url;
const workerUrl = () => workerBaseUrl;
const cpuNow = () => ({
  server: cpuOf(server.pid as number),
  worker: workerProcess ? cpuOf(workerProcess.pid as number) : 0,
  destination: cpuOf(receiver.pid as number),
  bench: cpuOf(process.pid),
  postgres: postgresCpu(),
  at: Date.now(),
});
const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

const stats = new pg.Pool({ connectionString: databaseUrl(dbName), max: 1 });
/** Events that reached a final state (DELIVERED or FAILED). */
async function finishedEvents(): Promise<number> {
  const r = await stats.query<{ n: string }>(`select count(*) as n from event where status in ('DELIVERED', 'FAILED')`);
  return Number(r.rows[0]?.n ?? 0);
}
async function backlog(): Promise<number> {
  const r = await stats.query<{ n: string }>(`select count(*) as n from event where status in ('RECEIVED', 'RETRYING', 'PROCESSING')`);
  return Number(r.rows[0]?.n ?? 0);
}

async function gql<T>(key: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (i > 200) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  if (SPLIT) {
    const workerPort = await freePort();
    workerProcess = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.join(root, 'server/src/main.ts')], {
      env: serverEnv({ PORT: String(workerPort), SWITCHBOARD_API: '0', SWITCHBOARD_CIRCUIT_BREAKER: '0' }),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    workerBaseUrl = `http://127.0.0.1:${workerPort}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${workerPort}/readyz`)).ok) break;
      } catch {}
      if (i > 200) throw new Error('worker process did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const { createWorkspace } = await gql<{ createWorkspace: { adminKey: string } }>(
    ROOT_KEY,
    'mutation { createWorkspace(name: "Bench") { adminKey } }',
  );
  const admin = createWorkspace.adminKey;
  const keyOf = async (scopes: string) =>
    (await gql<{ createApiKey: { key: string } }>(admin, `mutation { createApiKey(name: "${scopes}", scopes: [${scopes}]) { key } }`))
      .createApiKey.key;
  const readKey = await keyOf('READ');
  const ingestKey = await keyOf('INGEST');
  for (const [name, p, type] of [
    ['Load', '/ok', 'load.tick'],
    ['Failing', '/fail', 'alert.raised'],
  ] as const) {
    await gql(admin, 'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }', {
      i: {
        name,
        type: 'OUTBOUND_WEBHOOK',
        provider: 'generic',
        destinationUrl: `${receiverUrl}${p}`,
        subscribedEventTypes: [type],
        retrySchedule: [0],
        // The load's one destination may use every worker slot (the default cap, a sixteenth of them, is
        // for fairness between destinations; here it would measure the cap, not the pipeline).
        ...(name === 'Load' ? { maxInFlight: 256 } : {}),
      },
    });
  }

  // A bounded pool of keep-alive connections, as a real load balancer would hold (enough that the
  // offered rate is not capped by the time each request waits for its group commit).
  const pool = new Pool(url, { connections: 256 });
  let publishErrors = 0;
  let acknowledged = 0;
  const publish = (eventType: string) =>
    pool
      .request({
        method: 'POST',
        path: '/v1/events',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
        body: JSON.stringify({ eventType, payload: { at: Date.now() } }),
      })
      .then(async (r) => {
        await r.body.dump();
        if (r.statusCode !== 202) publishErrors++;
        else acknowledged++;
        return r.statusCode === 202;
      })
      .catch(() => {
        publishErrors++;
        return false;
      });

  // The pipeline's own account of where a change's time goes (the process that runs the worker).
  async function workerStats(): Promise<Map<string, number>> {
    const text = await (await fetch(`${workerUrl()}/metrics`)).text();
    const values = new Map<string, number>();
    for (const m of text.matchAll(
      /^(switchboard_delivery_(?:record_batch_rows|record_duration_seconds|publish_delay_seconds)_(?:sum|count)|nodejs_eventloop_lag_p99_seconds) (\S+)$/gm,
    ))
      values.set(m[1] as string, Number(m[2]));
    return values;
  }
  function pipelineSummary(before: Map<string, number>, after: Map<string, number>) {
    const mean = (name: string, scale: number) => {
      const n = (after.get(`${name}_count`) ?? 0) - (before.get(`${name}_count`) ?? 0);
      const sum = (after.get(`${name}_sum`) ?? 0) - (before.get(`${name}_sum`) ?? 0);
      return n > 0 ? Number(((sum / n) * scale).toFixed(1)) : null;
    };
    return {
      recordRowsMean: mean('switchboard_delivery_record_batch_rows', 1),
      recordMsMean: mean('switchboard_delivery_record_duration_seconds', 1000),
      outcomeToPublishMsMean: mean('switchboard_delivery_publish_delay_seconds', 1000),
      eventLoopLagP99Ms: Number(((after.get('nodejs_eventloop_lag_p99_seconds') ?? 0) * 1000).toFixed(1)),
    };
  }

  async function measure(subscribers: number, rate: number, seconds: number) {
    const latencies: number[] = [];
    const clients = await Promise.all(
      Array.from({ length: subscribers }, async () => {
        const client = createClient({
          url: `${url.replace('http', 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${readKey}` },
          lazy: false,
          retryAttempts: 0,
        });
        await new Promise<void>((resolve, reject) => {
          client.on('connected', () => resolve());
          client.on('closed', () => reject(new Error('closed')));
        });
        client.subscribe<{ failureOccurred: { status: string; updatedAt: string } }>(
          { query: 'subscription { failureOccurred { id status updatedAt } }' },
          {
            next: (r) => {
              const e = r.data?.failureOccurred;
              if (e?.status === 'FAILED') latencies.push(Date.now() - Date.parse(e.updatedAt));
            },
            error: () => undefined,
            complete: () => undefined,
          },
        );
        return client;
      }),
    );
    console.error(`live: ${subscribers} subscribers connected; server RSS ${Math.round(rssMb())} MB`);
    await new Promise((r) => setTimeout(r, 500));
    let sent = 0;
    let failuresSent = 0;
    let maxRss = rssMb();
    const cpu0 = cpuNow();
    const started = Date.now();
    const done0 = await finishedEvents();
    const stats0 = await workerStats();
    const acked0 = acknowledged;
    const tickMs = 20;
    while (Date.now() - started < seconds * 1000) {
      const elapsed = (Date.now() - started) / 1000;
      const due = Math.floor(elapsed * rate) - sent;
      const batch: Promise<boolean>[] = [];
      for (let i = 0; i < due; i++) batch.push(publish('load.tick'));
      sent += due;
      if (Math.floor(elapsed * FAILURES_PER_SECOND) > failuresSent) {
        failuresSent++;
        batch.push(publish('alert.raised'));
      }
      void Promise.all(batch);
      maxRss = Math.max(maxRss, rssMb());
      await new Promise((r) => setTimeout(r, tickMs));
    }
    const cpu1 = cpuNow();
    const wall = (cpu1.at - cpu0.at) / 1000;
    const cores = (seconds: number) => Number((seconds / wall).toFixed(2));
    const cpu = {
      server: cores(cpu1.server - cpu0.server),
      ...(workerProcess ? { worker: cores(cpu1.worker - cpu0.worker) } : {}),
      postgres: cores(postgresDelta(cpu0.postgres, cpu1.postgres)),
      destination: cores(cpu1.destination - cpu0.destination),
      bench: cores(cpu1.bench - cpu0.bench),
    };
    // Delivery's pace during the load: events that reached DELIVERED or FAILED per second, and what was
    // still waiting when the load stopped.
    const deliveredPerSecond = Math.round(((await finishedEvents()) - done0) / wall);
    const ingestedPerSecond = Math.round((acknowledged - acked0) / wall);
    const backlogAtEnd = await backlog();
    const pipeline = pipelineSummary(stats0, await workerStats());
    console.error(
      `live: load done (${sent} events sent, ${ingestedPerSecond}/s acknowledged, ${failuresSent} failures); ` +
        `delivered ${deliveredPerSecond}/s, backlog ${backlogAtEnd}; ` +
        `CPU in cores: ${JSON.stringify(cpu)}; waiting for deliveries`,
    );
    const expected = failuresSent * subscribers;
    const deadline = Date.now() + 15_000;
    while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const c of clients) await c.dispose();
    // The next phase starts from an empty queue.
    for (const until = Date.now() + 60_000; (await backlog()) > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
    latencies.sort((a, b) => a - b);
    return {
      subscribers,
      targetRate: rate,
      offeredRate: Math.round(sent / seconds),
      ingestedPerSecond,
      failures: failuresSent,
      delivered: latencies.length,
      expected,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      maxRssMb: Math.round(maxRss),
      deliveredPerSecond,
      backlogAtEnd,
      cpuCores: cpu,
      pipeline,
      publishErrors,
    };
  }

  // Baselines in the same run: one subscriber on an idle server, then one subscriber under the same
  // load (what the subscribers cost the pipeline is the difference between the two loaded phases).
  const baseline = await measure(1, 0, Number(values['idle-seconds']));
  const alone = await measure(1, RATE, SECONDS);
  const loaded = await measure(SUBSCRIBERS, RATE, SECONDS);
  console.log(JSON.stringify({ baseline, alone, loaded }, null, 2));
  const pace = (m: typeof loaded) =>
    `ingested ${m.ingestedPerSecond}/s, delivered ${m.deliveredPerSecond}/s, backlog ${m.backlogAtEnd} at the end, ` +
    `outcome→published mean ${m.pipeline.outcomeToPublishMsMean} ms (record ${m.pipeline.recordMsMean} ms for ${m.pipeline.recordRowsMean} rows)`;
  console.log(
    `live${SPLIT ? ' (API and worker in two processes, Redis between)' : ''}: ${loaded.subscribers} subscribers, ${loaded.offeredRate} events/s offered: p50 ${loaded.p50} ms, p99 ${loaded.p99} ms ` +
      `(${loaded.delivered}/${loaded.expected} received), server RSS max ${loaded.maxRssMb} MB, ${pace(loaded)}; ` +
      `same load, 1 subscriber: p50 ${alone.p50} ms, p99 ${alone.p99} ms, RSS max ${alone.maxRssMb} MB, ${pace(alone)}; ` +
      `idle, 1 subscriber: p50 ${baseline.p50} ms, p99 ${baseline.p99} ms`,
  );
  reportFigures('live', { subscribers: SUBSCRIBERS, rate: RATE, seconds: SECONDS, split: SPLIT }, [
    {
      name: `status change to subscriber p99, ${loaded.subscribers} subscribers under load`,
      value: loaded.p99,
      unit: 'ms',
      better: 'lower',
      baseline: { name: 'same load, 1 subscriber, p99', value: alone.p99 },
      target: 100,
    },
    {
      name: `status change to subscriber p50, ${loaded.subscribers} subscribers under load`,
      value: loaded.p50,
      unit: 'ms',
      better: 'lower',
      baseline: { name: 'same load, 1 subscriber, p50', value: alone.p50 },
    },
    {
      name: 'idle, 1 subscriber, p99',
      value: baseline.p99,
      unit: 'ms',
      better: 'lower',
    },
    {
      name: 'server RSS max under load',
      value: loaded.maxRssMb,
      unit: 'MB',
      better: 'lower',
      baseline: { name: 'same load, 1 subscriber', value: alone.maxRssMb },
      target: 300,
    },
    {
      name: 'delivered per second under load',
      value: loaded.deliveredPerSecond,
      unit: '/s',
      better: 'higher',
      baseline: { name: 'same load, 1 subscriber', value: alone.deliveredPerSecond },
    },
    {
      name: 'subscriber messages received of expected',
      value: loaded.delivered / Math.max(1, loaded.expected),
      unit: 'share',
      better: 'higher',
    },
  ]);
  await pool.close();
} finally {
  for (const child of [server, workerProcess]) {
    if (!child) continue;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  receiver.kill('SIGTERM');
  await stats.end();
  await dropDatabase(dbName);
}
