// The durable baseline DESIGN.md measures ingest against: a plain Node HTTP server that reads each
// POST's raw body, queues it, and once per event-loop tick (setImmediate) writes everything queued with
// ONE multi-row INSERT through `pg`; each request is answered 202 only after that INSERT has committed.
// No signature check, no validation, no idempotency, no queue row, no rollup: only what durability
// itself costs. Choices, to keep the comparison fair:
// - the body is stored as jsonb (the real server stores its payload as jsonb, so PostgreSQL parses
//   the JSON in both), with a received_at per row and an identity primary key (one index, as a table
//   anyone would write has);
// - up to WRITERS inserts in flight (default 2, like the real server's two ingest writers) on a pool of
//   as many connections; while both are busy the queue keeps growing and the next tick after one
//   finishes takes all of it, so under load the batches grow as the real server's group commits do;
// - synchronous_commit is left at the database's setting (on), like the real server.
//   PORT=0 DATABASE_URL=postgres://… [WRITERS=2] node test/bench/naive-durable-server.ts
import { createServer, type ServerResponse } from 'node:http';
import pg from 'pg';

const port = Number(process.env.PORT ?? 0);
const writers = Number(process.env.WRITERS ?? 2);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: writers });
await pool.query(`create table if not exists naive_event (
  id bigint generated always as identity primary key,
  body jsonb not null,
  received_at timestamptz not null
)`);

interface Queued {
  body: string;
  receivedAt: string;
  res: ServerResponse;
}

let queue: Queued[] = [];
let inFlight = 0;
let scheduled = false;
let n = 0;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(flush);
}

function flush(): void {
  scheduled = false;
  if (queue.length === 0 || inFlight >= writers) return;
  const batch = queue;
  queue = [];
  inFlight++;
  pool
    .query('insert into naive_event (body, received_at) select * from unnest($1::jsonb[], $2::timestamptz[])', [
      batch.map((q) => q.body),
      batch.map((q) => q.receivedAt),
    ])
    .then(
      () => {
        for (const q of batch) answer(q.res, 202, { id: `evt_${++n}`, status: 'RECEIVED', duplicate: false });
      },
      () => {
        for (const q of batch) answer(q.res, 503, { error: 'DATABASE_UNAVAILABLE' });
      },
    )
    .finally(() => {
      inFlight--;
      if (queue.length > 0) schedule();
    });
}

function answer(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST') return answer(res, req.url === '/healthz' ? 200 : 404, { ok: req.url === '/healthz' });
    queue.push({ body: Buffer.concat(chunks).toString('utf8'), receivedAt: new Date().toISOString(), res });
    schedule();
  });
}).listen(port, '127.0.0.1');
