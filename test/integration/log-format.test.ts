// How the real server process logs: JSON lines when its stdout is a pipe, readable lines at a terminal
// (a pseudo-terminal from util-linux `script`), and LOG_FORMAT overriding either.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';

const MAIN = path.join(import.meta.dirname, '../../server/src/main.ts');

describe('server log format', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  /** Starts main.ts, returns its output up to and including the "listening" line, then stops it. */
  async function firstLines(extraEnv: Record<string, string>, viaTerminal = false): Promise<string> {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: db.url,
      PORT: '0',
      SWITCHBOARD_WEB_DIR: '/nonexistent',
      SWITCHBOARD_WORKER: '0',
      NO_COLOR: '1',
      ...extraEnv,
    };
    const child: ChildProcess = viaTerminal
      ? spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)}`, '/dev/null'], { env })
      : spawn(process.execPath, [MAIN], { env });
    let out = '';
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        if (out.includes('switchboard listening')) resolve();
      });
      child.on('close', (code) => reject(new Error(`server exited (${code}) before listening: ${out}`)));
    });
    // `script` forwards the terminal's Ctrl-C as a character, not a signal: stop the server through it.
    if (viaTerminal) child.stdin?.write('\x03');
    else child.kill('SIGTERM');
    await exited;
    return out.replace(/\r/g, '');
  }

  it('a pipe gets JSON lines', async () => {
    const out = await firstLines({});
    const line = out.split('\n').find((l) => l.includes('switchboard listening')) as string;
    expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'switchboard listening', database: 'postgresql' });
    for (const l of out.trim().split('\n')) expect(() => JSON.parse(l), l).not.toThrow();
  });

  it('LOG_FORMAT=pretty makes a pipe readable', async () => {
    const out = await firstLines({ LOG_FORMAT: 'pretty' });
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: switchboard listening \{"url":"http:\/\/127\.0\.0\.1:\d+","database":"postgresql"\}$/m);
  });

  it.runIf(existsSync('/usr/bin/script'))('a terminal gets readable lines, and LOG_FORMAT=json overrides it', async () => {
    expect(await firstLines({}, true)).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: switchboard listening /m);
    const json = await firstLines({ LOG_FORMAT: 'json' }, true);
    expect(json).toMatch(/^\{"level":"info",.*"msg":"switchboard listening"\}$/m);
  });
});
