// The `switchboard` CLI as a user runs it: a separate process against the real server, through the
// public API only (GraphQL over HTTP, graphql-ws), events flowing through the real pipeline.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Receiver, startReceiver } from '../helpers/live.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const MAIN = path.join(import.meta.dirname, '../../cli/src/main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    // NO_COLOR: assertions read plain text (picocolors would colour under CI=…).
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function finished(child: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('switchboard CLI', () => {
  let server: TestServer;
  let receiver: Receiver;
  let adminKey: string;
  let ingestKey: string;
  let failingId: string;
  let env: Record<string, string>;

  const cli = async (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> => {
    const child = start(args, { ...env, ...extraEnv });
    child.stdin?.end();
    return finished(child);
  };
  const json = async <T = Record<string, unknown>>(args: string[]): Promise<T> => {
    const r = await cli(['--json', ...args]);
    expect(r.stderr, r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  async function publish(eventType: string): Promise<string[]> {
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
      body: JSON.stringify({ eventType, payload: { n: 1 } }),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { events: Array<{ id: string }> }).events.map((e) => e.id);
  }

  async function statusOf(id: string): Promise<string> {
    const r = await server.gql<{ event: { status: string } }>(adminKey, 'query($id: ID!) { event(id: $id) { status } }', { id });
    return r.data?.event.status ?? 'missing';
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer({ SWITCHBOARD_TIME_SCALE: '0.001', SWITCHBOARD_WORKER_POLL_MS: '50', SWITCHBOARD_API_RATE_LIMIT: '0' });
    ({ adminKey } = await server.createWorkspace('CLI Works'));
    env = { SWITCHBOARD_URL: server.url, SWITCHBOARD_KEY: adminKey };
    const ingest = await server.gql<{ createApiKey: { key: string } }>(
      adminKey,
      'mutation { createApiKey(name: "ingest", scopes: [INGEST]) { key } }',
    );
    ingestKey = ingest.data?.createApiKey.key as string;
    const integration = async (name: string, pathname: string, eventType: string) => {
      const r = await server.gql<{ createIntegration: { integration: { id: string } } }>(
        adminKey,
        'mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { integration { id } } }',
        {
          i: {
            name,
            type: 'OUTBOUND_WEBHOOK',
            provider: 'hubspot',
            destinationUrl: `${receiver.url}${pathname}`,
            subscribedEventTypes: [eventType],
            retrySchedule: [0, 1],
          },
        },
      );
      return r.data?.createIntegration.integration.id as string;
    };
    await integration('Acme CRM', '/ok', 'contact.created');
    failingId = await integration('Alert Chat', '/fail', 'alert.raised');
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('keys create, list and revoke; a revoked key is then refused in one line', async () => {
    const created = await json<{ key: string; apiKey: { id: string; scopes: string[] } }>([
      'keys',
      'create',
      'ops laptop',
      '--scope',
      'READ',
    ]);
    expect(created.apiKey.scopes).toEqual(['READ']);
    const listed = await json<{ apiKeys: Array<{ id: string; name: string }> }>(['keys', 'list']);
    expect(listed.apiKeys.map((k) => k.name)).toContain('ops laptop');
    expect(JSON.stringify(listed)).not.toContain(created.key);

    const asReader = await cli(['--json', 'integrations', 'list'], { SWITCHBOARD_KEY: created.key });
    expect(asReader.code).toBe(0);
    const revoked = await json<{ apiKey: { revokedAt: string | null } }>(['keys', 'revoke', created.apiKey.id]);
    expect(revoked.apiKey.revokedAt).not.toBeNull();

    const refused = await cli(['integrations', 'list'], { SWITCHBOARD_KEY: created.key });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/^switchboard: the server refused the API key: .*\(UNAUTHENTICATED\)\n$/);
    expect(refused.stderr).not.toContain(created.key);
  });

  it('a bad key, an unreachable server and a missing key each give one clear line and a non-zero exit', async () => {
    for (const args of [['events', 'list'], ['tail'], ['replay', '--yes']]) {
      const bad = await cli(args, { SWITCHBOARD_KEY: 'sbk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
      expect(bad.code, args.join(' ')).toBe(1);
      expect(bad.stderr).toMatch(/^switchboard: the server refused the API key: .*\(UNAUTHENTICATED\)\n$/);
      expect(bad.stdout).toBe('');
    }
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as { port: number };
        probe.close(() => resolve(p));
      });
    });
    for (const args of [['events', 'list'], ['tail'], ['keys', 'list']]) {
      const down = await cli(args, { SWITCHBOARD_URL: `http://127.0.0.1:${port}` });
      expect(down.code, args.join(' ')).toBe(1);
      expect(down.stderr).toBe(`switchboard: cannot reach the Switchboard server at http://127.0.0.1:${port} (ECONNREFUSED)\n`);
    }
    const noKey = await cli(['events', 'list'], { SWITCHBOARD_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe('switchboard: no API key: set SWITCHBOARD_KEY or pass --key\n');
  });

  it('runs through its launcher, the `bin` behind `pnpm switchboard` and `npx switchboard`', async () => {
    const child = spawn('bash', [path.join(import.meta.dirname, '../../cli/bin/switchboard'), '--json', 'keys', 'list'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await finished(child);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { apiKeys: Array<{ name: string }> }).apiKeys.map((k) => k.name)).toContain('ingest');
  });

  it('integrations list, pause and resume, by name or id', async () => {
    const listed = await json<{ integrations: Array<{ name: string; state: string }> }>(['integrations', 'list']);
    expect(listed.integrations.map((i) => [i.name, i.state]).sort()).toEqual([
      ['Acme CRM', 'ACTIVE'],
      ['Alert Chat', 'ACTIVE'],
    ]);
    const paused = await json<{ integration: { id: string; state: string; stateReason: string } }>([
      'integrations',
      'pause',
      'acme crm',
      '--reason',
      'maintenance',
    ]);
    expect(paused.integration).toMatchObject({ state: 'PAUSED', stateReason: 'maintenance' });
    const text = await cli(['integrations', 'list']);
    expect(text.stdout).toMatch(/Acme CRM .* PAUSED maintenance/);
    const resumed = await json<{ integration: { state: string } }>(['integrations', 'resume', paused.integration.id]);
    expect(resumed.integration.state).toBe('ACTIVE');
    const unknown = await cli(['integrations', 'pause', 'No Such Thing']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('tail follows failures live until interrupted, and events get shows the request beside the response', async () => {
    const child = start(['--json', 'tail', '--integration', 'Alert Chat'], env);
    const run = finished(child);
    let stderr = '';
    let stdout = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    await eventually(() => stderr.includes('following failures in CLI Works'), 15_000, 'tail to connect');
    // The socket is open; the subscription follows it by a message. Publish until one arrives.
    const published: string[] = [];
    await publish('contact.created'); // delivered to Acme CRM: never a failure, never shown
    let lastPublish = 0;
    await eventually(
      async () => {
        if (stdout.includes('\n')) return true;
        if (Date.now() - lastPublish > 300) {
          lastPublish = Date.now();
          published.push(...(await publish('alert.raised')));
        }
        return false;
      },
      20_000,
      'a failure on the tail',
    );
    child.kill('SIGINT');
    const result = await run;
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; status: string; integration: { name: string } });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(['FAILED', 'RETRYING']).toContain(line.status);
      expect(line.integration.name).toBe('Alert Chat');
      expect(published).toContain(line.id);
    }

    const id = lines[0]?.id as string;
    await eventually(async () => (await statusOf(id)) === 'FAILED', 15_000, 'the event to fail');
    const shown = await cli(['events', 'get', id], { COLUMNS: '160' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('alert.raised  FAILED  Alert Chat (OUTBOUND_WEBHOOK)');
    // Request and response in two columns of one table: the row holding the request line holds the status too.
    const firstRow = shown.stdout.split('\n').find((l) => l.includes(`POST ${receiver.url}/fail`)) ?? '';
    expect(firstRow).toMatch(/│ POST http:\/\/127\.0\.0\.1:\d+\/fail\s+│ 500\s+│/);
    expect(shown.stdout).toContain('"error": "boom"');
  });

  it('replay says how many, refuses without a terminal or --yes, and replays with --yes', async () => {
    await eventually(
      async () => {
        const r = await server.gql<{ replayPreview: { count: number } }>(
          adminKey,
          'query($f: EventFilter!) { replayPreview(filter: $f) { count } }',
          { f: { integrationId: failingId, statuses: ['FAILED'] } },
        );
        return (
          (r.data?.replayPreview.count ?? 0) > 0 &&
          (await json<{ events: unknown[] }>(['events', 'list', '--status', 'RETRYING,RECEIVED,PROCESSING'])).events.length === 0
        );
      },
      20_000,
      'the failures to settle',
    );
    const failed = await json<{ events: Array<{ id: string }> }>(['events', 'list', '--status', 'failed', '-n', '100']);
    const count = failed.events.length;
    expect(count).toBeGreaterThan(0);

    const dry = await json<{ wouldReplay: number; replayed: number }>([
      'replay',
      '--status',
      'FAILED',
      '--integration',
      'Alert Chat',
      '--dry-run',
    ]);
    expect(dry).toEqual({ wouldReplay: count, replayed: 0 });

    const refused = await cli(['replay', '--status', 'FAILED']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `switchboard: would replay ${count} event${count === 1 ? '' : 's'}: pass --yes to confirm (no terminal to ask on)\n`,
    );
    const before = await json<{ status: string; statusHistory: Array<{ from: string | null }> }>([
      'events',
      'get',
      failed.events[0]?.id as string,
    ]);
    expect(before.status).toBe('FAILED');
    expect(before.statusHistory.filter((h) => h.from === 'FAILED')).toHaveLength(0);

    const done = await json<{ wouldReplay: number; replayed: number }>(['replay', '--status', 'FAILED', '--yes']);
    expect(done).toEqual({ wouldReplay: count, replayed: count });
    // Replayed: the event left FAILED once more (it fails again soon after, so its status proves nothing).
    const after = await json<{ statusHistory: Array<{ from: string | null }> }>(['events', 'get', failed.events[0]?.id as string]);
    expect(after.statusHistory.filter((h) => h.from === 'FAILED')).toHaveLength(1);

    const nothing = await cli(['replay', '--status', 'FAILED', '--error-code', 'NO_SUCH_CODE']);
    expect(nothing.code).toBe(0);
    expect(nothing.stdout).toBe('no DELIVERED or FAILED event matches: nothing to replay\n');
  });
});
