// Shared by the pipeline benchmarks: a throwaway PostgreSQL database, child processes, and a small
// keep-alive HTTP load generator (closed loop for throughput, open loop at a fixed rate for latency).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { migrate, openDatabase } from '@switchboard/db';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const ADMIN_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function adminSql(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  await adminSql(`drop database if exists "${name}" with (force)`);
  await adminSql(`create database "${name}"`);
  const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
  const db = await openDatabase({ databaseUrl: url, poolSize: 2 });
  await migrate(db.orm);
  await db.close();
  return url;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * The V8 flags `npm start` (scripts/sb.sh) runs the server with, so benchmarks measure what is deployed;
 * SWITCHBOARD_NODE_FLAGS overrides both (an empty value runs with V8's defaults).
 */
export const SERVER_NODE_FLAGS: string[] = (process.env.SWITCHBOARD_NODE_FLAGS ?? '--max-semi-space-size=16 --heap-growing-percent=50')
  .split(/\s+/)
  .filter(Boolean);

/** The key benchmark servers and the benchmarks' own database handles seal secrets with. */
export const BENCH_SECRET_KEY = Buffer.alloc(32, 9).toString('base64');

export async function spawnNode(args: string[], env: Record<string, string>, healthUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, SWITCHBOARD_SECRET_KEY: BENCH_SECRET_KEY, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(healthUrl);
      if (r.status < 500) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

export interface Req {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

function summarize(latencies: number[], sent: number, ok: number, seconds: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return { sent, ok, errors: sent - ok, seconds, perSecond: ok / seconds, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
}

function send(agent: Agent, port: number, r: Req): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: r.path,
        headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
        agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(r.body);
  });
}

/** Closed loop: `connections` senders, each sending its next request as soon as the last answered. */
export async function closedLoop(port: number, next: (i: number) => Req, connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let i = 0;
  let ok = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const status = await send(agent, port, next(i++));
        latencies.push(performance.now() - t);
        if (status >= 200 && status < 300) ok++;
      }
    }),
  );
  agent.destroy();
  return summarize(latencies, i, ok, (performance.now() - started) / 1000);
}

/** Open loop: requests start on a fixed schedule (`rate` per second) whatever the answers; latency from the scheduled start. */
export async function openLoop(port: number, next: (i: number) => Req, rate: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let ok = 0;
  const total = Math.round(rate * seconds);
  const started = performance.now();
  let i = 0;
  while (i < total) {
    const due = started + (i * 1000) / rate;
    const now = performance.now();
    if (due > now) {
      // Yield to the event loop (answers must be read while we wait), sleeping when there is time to.
      await new Promise((r) => (due - now >= 2 ? setTimeout(r, due - now - 1) : setImmediate(r)));
      continue;
    }
    // Everything due by now starts now (timers are coarse); each request's clock starts at its due time.
    while (i < total && started + (i * 1000) / rate <= performance.now()) {
      const scheduled = started + (i * 1000) / rate;
      pending.push(
        send(agent, port, next(i)).then((status) => {
          latencies.push(performance.now() - scheduled);
          if (status >= 200 && status < 300) ok++;
        }),
      );
      i++;
    }
  }
  await Promise.all(pending);
  agent.destroy();
  return summarize(latencies, total, ok, (performance.now() - started) / 1000);
}

export function fmt(r: LoadResult): string {
  return `${Math.round(r.perSecond).toLocaleString('en')}/s ok=${r.ok} errors=${r.errors} p50=${r.p50.toFixed(2)}ms p99=${r.p99.toFixed(2)}ms max=${r.max.toFixed(1)}ms`;
}

/** One measured figure; `baseline` is what the same run measured to compare it with. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  /** Which way is better, for reading ratios. */
  better: 'higher' | 'lower';
  baseline?: { name: string; value: number };
  /** DESIGN.md's target for this figure, when it has one. */
  target?: number;
}

/** Marks the one machine-readable line a benchmark prints; test/bench/run.ts collects it into results.json. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

export function reportFigures(bench: string, params: Record<string, unknown>, figures: BenchFigure[]): void {
  const round = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(2)) : null);
  const clean = figures.map((f) => ({
    ...f,
    value: round(f.value),
    ...(f.baseline ? { baseline: { ...f.baseline, value: round(f.baseline.value) } } : {}),
  }));
  console.log(`${RESULT_PREFIX}${JSON.stringify({ bench, params, figures: clean })}`);
}

// CPU seconds used so far by a process (utime + stime from /proc), and by every PostgreSQL process.
const TICK = 100;
export function cpuOf(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of each PostgreSQL process (backends come and go: compare per process with postgresDelta). */
export function postgresCpu(): Map<string, number> {
  const byPid = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') byPid.set(pid, cpuOf(pid));
    } catch {}
  }
  return byPid;
}

export function postgresDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, t] of after) total += t - (before.get(pid) ?? 0);
  return total;
}
