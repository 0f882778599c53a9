#!/usr/bin/env node
// Delivery benchmark: N events already stored (RECEIVED, due), then the real server (a child process)
// delivers them to a local trivial receiver, every attempt recorded. Prints deliveries/s, and as the
// baseline measured in the same run, how many plain POSTs/s this machine makes to the same receiver.
//   node test/bench/delivery.bench.ts [--events 50000] [--concurrency 128] [--batch 500] [--baseline-seconds 5]
import { parseArgs } from 'node:util';
import {
  createWorkspace,
  defaultRetrySchedule,
  generateSigningSecret,
  Integration,
  insertEvents,
  newId,
  newTraceId,
  openDatabase,
  parseSecretKey,
  SecretBox,
  queryRows,
} from '@switchboard/db';
import {
  adminSql,
  BENCH_SECRET_KEY,
  closedLoop,
  cpuOf,
  fmt,
  freePort,
  freshDatabase,
  postgresCpu,
  postgresDelta,
  reportFigures,
  SERVER_NODE_FLAGS,
  spawnNode,
  stop,
} from './bench-util.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '128' },
    batch: { type: 'string', default: '500' },
    'baseline-seconds': { type: 'string', default: '5' },
  },
});
const N = Number(values.events);

const receiverPort = await freePort();
const receiver = await spawnNode(
  ['test/bench/trivial-server.ts'],
  { PORT: String(receiverPort) },
  `http://127.0.0.1:${receiverPort}/healthz`,
);
const body = JSON.stringify({ type: 'order.created', data: { id: 'ord_1', amount: 4200 } });
const baseCpu0 = { receiver: cpuOf(receiver.pid as number), bench: cpuOf(process.pid) };
const baseline = await closedLoop(
  receiverPort,
  () => ({ path: '/hook', body, headers: { 'content-type': 'application/json' } }),
  Number(values.concurrency),
  Number(values['baseline-seconds']),
);

// CPU per plain POST: the load tool (this process) and the receiver.
const baseCpu = {
  receiver: cpuOf(receiver.pid as number) - baseCpu0.receiver,
  bench: cpuOf(process.pid) - baseCpu0.bench,
};
const dbName = 'sbbench_delivery';
const url = await freshDatabase(dbName);
const db = await openDatabase({ databaseUrl: url, secrets: new SecretBox(parseSecretKey(BENCH_SECRET_KEY)), poolSize: 4 });
const em = db.orm.em.fork();
const { workspace } = await createWorkspace(em, 'Bench');
const integration = em.create(Integration, {
  workspace,
  name: 'Receiver',
  type: 'OUTBOUND_WEBHOOK',
  provider: 'generic',
  providerClass: 'OTHER',
  direction: 'OUTBOUND',
  signingSecret: generateSigningSecret(),
  retrySchedule: defaultRetrySchedule(),
  destinationUrl: `http://127.0.0.1:${receiverPort}/hook`,
  // One destination measures the worker's pace: it may use every slot (the default cap is a sixteenth).
  maxInFlight: Number(values.concurrency),
});
await em.flush();
for (let i = 0; i < N; i += 1000) {
  const rows = Array.from({ length: Math.min(1000, N - i) }, (_, j) => ({
    id: newId(),
    integrationId: integration.id,
    eventType: 'order.created',
    source: 'USER' as const,
    sourceRecordId: `ord_${i + j}`,
    idempotencyKey: null,
    traceId: newTraceId(),
    isTest: false,
    receivedAt: new Date(),
    payloadJson: JSON.stringify({ orderId: i + j, amount: 4200, currency: 'eur', customer: { email: `c${i + j}@example.com` } }),
  }));
  await insertEvents(db.orm.em.fork(), rows);
}
console.log(
  `delivery benchmark — ${N.toLocaleString('en')} stored events, worker concurrency ${values.concurrency}, batch ${values.batch}; node ${process.version}`,
);

const port = await freePort();
const started = performance.now();
const server = await spawnNode(
  [...SERVER_NODE_FLAGS, 'server/src/main.ts'],
  {
    DATABASE_URL: url,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SWITCHBOARD_WEB_DIR: '/nonexistent',
    SWITCHBOARD_WORKER_CONCURRENCY: String(values.concurrency),
    SWITCHBOARD_WORKER_BATCH: String(values.batch),
    SWITCHBOARD_WORKER_POLL_MS: '20',
  },
  `http://127.0.0.1:${port}/healthz`,
);
const bootMs = performance.now() - started;
const cpu0 = {
  server: cpuOf(server.pid as number),
  receiver: cpuOf(receiver.pid as number),
  bench: cpuOf(process.pid),
  postgres: postgresCpu(),
};
const t0 = performance.now();
let delivered = 0;
// Progress from the status rollup (a row per hour and status): counting DELIVERED events would scan
// the table it measures, five times a second.
while (delivered < N) {
  await new Promise((r) => setTimeout(r, 200));
  delivered =
    (
      await queryRows<{ n: number }>(
        db.orm.em.fork(),
        `select coalesce(sum(count), 0)::int as n from event_status_rollup where status = 'DELIVERED'`,
      )
    )[0]?.n ?? 0;
}
const seconds = (performance.now() - t0 + Math.min(bootMs, 0)) / 1000;
// Where the CPU went, per delivery (µs): the server (worker), PostgreSQL (every process), the receiver, this process.
const perDelivery = (s: number) => (s * 1e6) / N;
const cpu = {
  server: perDelivery(cpuOf(server.pid as number) - cpu0.server),
  postgres: perDelivery(postgresDelta(cpu0.postgres, postgresCpu())),
  receiver: perDelivery(cpuOf(receiver.pid as number) - cpu0.receiver),
  bench: perDelivery(cpuOf(process.pid) - cpu0.bench),
};
const cpuPerPost = {
  receiver: (baseCpu.receiver * 1e6) / baseline.ok,
  bench: (baseCpu.bench * 1e6) / baseline.ok,
};
const [attempts] = await queryRows<{ n: number }>(db.orm.em.fork(), 'select count(*)::int as n from delivery_attempt');
// Where the worker's time went, from its own metrics: the record statements (one at a time) and their share of the run.
const metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metricsText)?.[1] ?? Number.NaN);
const records = metric('switchboard_delivery_record_duration_seconds_count');
const recordSeconds = metric('switchboard_delivery_record_duration_seconds_sum');
await stop(server);
await stop(receiver);
await db.close();
await adminSql(`drop database if exists "${dbName}" with (force)`);
console.log('');
console.log(`baseline: plain POSTs to the receiver from one node process: ${fmt(baseline)}`);
console.log(
  `switchboard: ${N.toLocaleString('en')} delivered in ${seconds.toFixed(1)} s = ${Math.round(N / seconds).toLocaleString('en')} deliveries/s; attempts recorded: ${attempts?.n}`,
);
console.log(
  `record statements: ${records}, mean ${(metric('switchboard_delivery_record_batch_rows_sum') / records).toFixed(0)} rows, ` +
    `mean ${((recordSeconds / records) * 1000).toFixed(1)} ms; busy ${((100 * recordSeconds) / seconds).toFixed(0)}% of the run`,
);
console.log(
  `CPU per delivery: server ${cpu.server.toFixed(0)} µs, PostgreSQL ${cpu.postgres.toFixed(0)} µs, receiver ${cpu.receiver.toFixed(0)} µs, ` +
    `this process ${cpu.bench.toFixed(0)} µs; per plain POST: load tool ${cpuPerPost.bench.toFixed(0)} µs, receiver ${cpuPerPost.receiver.toFixed(0)} µs`,
);
console.log(
  `ratio (deliveries/s ÷ plain POSTs/s): ${(N / seconds / baseline.perSecond).toFixed(2)}; target ≥ 5,000/s — ${N / seconds >= 5000 ? 'met' : 'NOT met'}`,
);
reportFigures('delivery', { events: N, concurrency: Number(values.concurrency), batch: Number(values.batch) }, [
  {
    name: 'deliveries per second, every attempt recorded',
    value: N / seconds,
    unit: '/s',
    better: 'higher',
    baseline: { name: 'plain POSTs per second to the same receiver', value: baseline.perSecond },
    target: 5000,
  },
  { name: 'record statement, mean duration', value: (recordSeconds / records) * 1000, unit: 'ms', better: 'lower' },
  {
    name: 'record statement, mean rows',
    value: metric('switchboard_delivery_record_batch_rows_sum') / records,
    unit: 'rows',
    better: 'higher',
  },
  { name: 'record statements busy, share of the run', value: (100 * recordSeconds) / seconds, unit: '%', better: 'lower' },
  {
    name: 'server CPU per delivery (worker: claim, map, sign, send, record)',
    value: cpu.server,
    unit: 'µs',
    better: 'lower',
    baseline: { name: 'load tool CPU per plain POST', value: cpuPerPost.bench },
  },
  { name: 'PostgreSQL CPU per delivery (claim, record, all processes)', value: cpu.postgres, unit: 'µs', better: 'lower' },
  {
    name: 'receiver CPU per delivery',
    value: cpu.receiver,
    unit: 'µs',
    better: 'lower',
    baseline: { name: 'receiver CPU per plain POST', value: cpuPerPost.receiver },
  },
]);
process.exit(0);
