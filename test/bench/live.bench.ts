#!/usr/bin/env node
// Live latency: from an event's status change (its updatedAt, set in the transaction that changes it)
// to its arrival at each of N graphql-ws subscribers, while the server ingests a steady background
// load. The server runs as its own process (so its RSS is its own); subscribers, the load and the
// receiver run here. Baseline, in the same run: one subscriber, no background load.
//
//   node test/bench/live.bench.ts [--subscribers 1000] [--rate 2000] [--seconds 20] [--failures 5]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { adminQuery, databaseUrl, dropDatabase, uniqueDatabaseName } from '../helpers/postgres.ts';
import { SERVER_NODE_FLAGS } from './bench-util.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    failures: { type: 'string', default: '5' },
  },
});
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

// A destination that answers at once: 500 under /fail, 200 otherwise.
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url?.startsWith('/fail')) res.writeHead(500).end('{"error":"down"}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"r1"}');
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const dbName = uniqueDatabaseName('sbbench_live');
await adminQuery(`create database "${dbName}"`);
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [...SERVER_NODE_FLAGS, path.join(root, 'server/src/main.ts')], {
  env: {
    ...process.env,
    DATABASE_URL: databaseUrl(dbName),
    PORT: String(port),
    SWITCHBOARD_ROOT_KEY: ROOT_KEY,
    SWITCHBOARD_WEB_DIR: '/nonexistent',
    SWITCHBOARD_API_RATE_LIMIT: '0',
    SWITCHBOARD_WORKER_POLL_MS: '20',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const rssMb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

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
      },
    });
  }

  // A bounded pool of keep-alive connections, as a real load balancer would hold.
  const pool = new Pool(url, { connections: 64 });
  let publishErrors = 0;
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
        return r.statusCode === 202;
      })
      .catch(() => {
        publishErrors++;
        return false;
      });

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
    const started = Date.now();
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
    console.error(`live: load done (${sent} events, ${failuresSent} failures); waiting for deliveries`);
    const expected = failuresSent * subscribers;
    const deadline = Date.now() + 15_000;
    while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const c of clients) await c.dispose();
    latencies.sort((a, b) => a - b);
    return {
      subscribers,
      targetRate: rate,
      achievedRate: Math.round(sent / seconds),
      failures: failuresSent,
      delivered: latencies.length,
      expected,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      maxRssMb: Math.round(maxRss),
      publishErrors,
    };
  }

  const baseline = await measure(1, 0, 5);
  const loaded = await measure(SUBSCRIBERS, RATE, SECONDS);
  console.log(JSON.stringify({ baseline, loaded }, null, 2));
  console.log(
    `live: ${loaded.subscribers} subscribers, ${loaded.achievedRate} events/s ingested: p50 ${loaded.p50} ms, p99 ${loaded.p99} ms ` +
      `(${loaded.delivered}/${loaded.expected} delivered), server RSS max ${loaded.maxRssMb} MB; ` +
      `baseline (1 subscriber, idle): p50 ${baseline.p50} ms, p99 ${baseline.p99} ms; p99 ratio ${(loaded.p99 / Math.max(1, baseline.p99)).toFixed(1)}×`,
  );
  await pool.close();
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  receiver.close();
  await dropDatabase(dbName);
}
