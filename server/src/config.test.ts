import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('has working defaults: embedded database, port 4000', () => {
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe('.switchboard');
    expect(c.payloadRetentionDays).toBe(7);
    expect(c.eventRetentionDays).toBe(30);
    expect(c.timeScale).toBe(1);
    expect(c.demo).toBe(false);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/x',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SWITCHBOARD_ROOT_KEY: 'r'.repeat(32),
      SWITCHBOARD_DEMO: '1',
      SWITCHBOARD_TIME_SCALE: '0.001',
      SWITCHBOARD_PAYLOAD_RETENTION_DAYS: '3',
      SWITCHBOARD_EVENT_RETENTION_DAYS: '10',
    });
    expect(c).toMatchObject({ port: 8080, demo: true, timeScale: 0.001, payloadRetentionDays: 3, eventRetentionDays: 10 });
  });

  it('names each bad variable with a clear message, all at once', () => {
    const issues = issuesOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://localhost/x',
      REDIS_URL: 'localhost:6379',
      SWITCHBOARD_ROOT_KEY: 'short',
      SWITCHBOARD_DEMO: 'maybe',
      SWITCHBOARD_TIME_SCALE: '-1',
    });
    expect(issues).toHaveLength(6);
    expect(issues.join('\n')).toMatch(/^PORT: must be a number \(got "eighty"\)$/m);
    expect(issues.join('\n')).toMatch(/^DATABASE_URL: must be a postgres/m);
    expect(issues.join('\n')).toMatch(/^REDIS_URL: must be a redis/m);
    expect(issues.join('\n')).toMatch(/^SWITCHBOARD_ROOT_KEY: must be at least 24 characters/m);
    expect(issues.join('\n')).toMatch(/^SWITCHBOARD_DEMO: /m);
    expect(issues.join('\n')).toMatch(/^SWITCHBOARD_TIME_SCALE: must be greater than 0/m);
  });

  it('never echoes a secret value back', () => {
    const issues = issuesOf({ SWITCHBOARD_ROOT_KEY: 'tiny-secret', DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(issues.join('\n')).not.toContain('tiny-secret');
    expect(issues.join('\n')).not.toContain('hunter2');
  });

  it('rejects an out-of-range port and inconsistent retention windows', () => {
    expect(issuesOf({ PORT: '70000' })).toEqual(['PORT: must be 0..65535 (got "70000")']);
    expect(issuesOf({ SWITCHBOARD_PAYLOAD_RETENTION_DAYS: '40' })[0]).toMatch(/^SWITCHBOARD_EVENT_RETENTION_DAYS: must be at least/);
  });
});
