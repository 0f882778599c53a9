// No acknowledged event is ever lost: the server (a child process) is SIGKILLed in the middle of a
// 5,000-event concurrent ingest; after a restart every event that got a 2xx is in the database and
// is delivered to a loopback receiver (events caught mid-delivery are reclaimed as stuck).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import {
  createWorkspace,
  decodeIdOf,
  defaultRetrySchedule,
  encodeId,
  generateSigningSecret,
  Integration,
  openDatabase,
  parseSecretKey,
  queryRows,
  SecretBox,
} from '@switchboard/db';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_SECRET_KEY, type TestDatabase } from '../helpers/database.ts';
import { type Receiver, standardHeaders, startReceiver, waitFor } from '../helpers/pipeline.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function startServer(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'server', 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', SWITCHBOARD_WEB_DIR: '/nonexistent', SWITCHBOARD_SECRET_KEY: TEST_SECRET_KEY, ...env },
    stdio: ['ignore', process.env.KILL_TEST_DEBUG ? 'inherit' : 'ignore', 'inherit'],
  });
  return child;
}

describe('kill -9 during ingest', () => {
  let testDb: TestDatabase | undefined;
  let receiver: Receiver | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await receiver?.close();
    await testDb?.drop();
  });

  it('keeps every acknowledged event and delivers it after a restart', async () => {
    testDb = await createTestDatabase();
    receiver = await startReceiver();
    const db = await openDatabase({ databaseUrl: testDb.url, poolSize: 2, secrets: new SecretBox(parseSecretKey(TEST_SECRET_KEY)) });
    let integration: Integration;
    try {
      const em = db.orm.em.fork();
      const { workspace } = await createWorkspace(em, 'Kill');
      integration = em.create(Integration, {
        workspace,
        name: 'Provider',
        type: 'INBOUND_WEBHOOK',
        provider: 'stripe',
        providerClass: 'PAYMENTS',
        direction: 'INBOUND',
        signingSecret: generateSigningSecret(),
        retrySchedule: defaultRetrySchedule(),
        destinationUrl: `${receiver.url}/after-kill`,
      });
      await em.flush();
    } finally {
      await db.close();
    }
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: testDb.url,
      PORT: String(port),
      SWITCHBOARD_STUCK_AFTER_SECONDS: '2',
      SWITCHBOARD_JOBS_INTERVAL_SECONDS: '1',
      SWITCHBOARD_WORKER_POLL_MS: '100',
    };
    child = startServer(env);
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, 90_000, 'server up');

    const publicId = encodeId('Integration', integration.id);
    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    const total = 5000;
    const sendOne = async (n: number) => {
      const body = JSON.stringify({ type: 'kill.test', n });
      try {
        const r = await fetch(`${base}/ingest/${publicId}`, {
          method: 'POST',
          headers: standardHeaders(integration.signingSecret, body, `kill-${n}`),
          body,
        });
        if (r.status === 202 || r.status === 200) acked.add(((await r.json()) as { id: string }).id);
      } catch {
        // Refused or cut by the kill: not acknowledged, so the sender would retry.
      }
    };
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next < total) {
          const n = next++;
          if (!killed && acked.size >= total / 2) {
            killed = true;
            child?.kill('SIGKILL');
          }
          await sendOne(n);
        }
      }),
    );
    if (process.env.KILL_TEST_DEBUG) console.error('sent', next, 'acked', acked.size);
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(total / 2);
    expect(acked.size).toBeLessThan(total);

    const dead = child;
    await new Promise<void>((resolve) =>
      dead.exitCode !== null || dead.signalCode !== null ? resolve() : dead.once('exit', () => resolve()),
    );
    child = startServer(env);
    await waitFor(async () => (await fetch(`${base}/healthz`)).ok, 90_000, 'server back');
    if (process.env.KILL_TEST_DEBUG) console.error('restarted');

    const check = await openDatabase({ databaseUrl: testDb.url, poolSize: 2 });
    try {
      const ids = [...acked].map((id) => decodeIdOf('Event', id) as string);
      const stored = await queryRows<{ n: number }>(
        check.orm.em.fork(),
        'select count(*)::int as n from event where id = any($1::uuid[])',
        [ids],
      );
      expect(stored[0]?.n).toBe(ids.length);
      await waitFor(
        async () => {
          const rows = await queryRows<{ n: number }>(
            check.orm.em.fork(),
            `select count(*)::int as n from event where id = any($1::uuid[]) and status = 'DELIVERED'`,
            [ids],
          );
          return rows[0]?.n === ids.length;
        },
        45_000,
        'every acknowledged event delivered',
      );
      const received = new Set((receiver?.requests ?? []).map((r) => String(r.headers['webhook-id'])));
      for (const id of acked) expect(received.has(id)).toBe(true);
      const [rollup] = await queryRows<{ bad: number }>(
        check.orm.em.fork(),
        `select (select coalesce(sum(count), 0) from event_rollup) - (select count(*) from event) as bad`,
      );
      expect(Number(rollup?.bad)).toBe(0);
    } finally {
      await check.close();
    }
  }, 300_000);
});
