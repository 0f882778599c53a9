import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { logFormatFor, prettyDestination } from './log-pretty.ts';
import { createLogger } from './logger.ts';

function collector() {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { out, text: () => text };
}

const attempt = (outcome: string, errorCode: string | null) => ({
  traceId: 't',
  eventId: 'e',
  attempt: 1,
  status: 200,
  errorCode,
  outcome,
});

describe('log format', () => {
  it('LOG_FORMAT decides; unset, a terminal gets pretty lines and anything else JSON lines', () => {
    expect(logFormatFor(undefined, true)).toBe('pretty');
    expect(logFormatFor(undefined, false)).toBe('json');
    expect(logFormatFor('json', true)).toBe('json');
    expect(logFormatFor('pretty', false)).toBe('pretty');
    expect(loadConfig({}).logFormat).toBeUndefined();
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
  });

  it('pretty: readable lines, delivery attempts folded into one summary line, secrets still redacted', () => {
    const { out, text } = collector();
    const dest = prettyDestination({ out, colorize: false, summaryMs: 3_600_000 });
    const logger = createLogger('info', dest);
    logger.info({ url: 'http://127.0.0.1:4000' }, 'switchboard listening');
    logger.info(attempt('DELIVERED', null), 'delivery attempt');
    logger.info(attempt('DELIVERED', null), 'delivery attempt');
    logger.info(attempt('RETRYING', '503'), 'delivery attempt');
    logger.info(attempt('FAILED', 'TIMEOUT'), 'delivery attempt');
    logger.info(attempt('RETRYING', '503'), 'delivery attempt');
    logger.warn({ headers: { authorization: 'Bearer sbk_secret_value' } }, 'odd request');
    expect(text()).not.toContain('delivery attempt');
    dest.flushSummary();
    dest.flushSummary(); // nothing new: no second line
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: switchboard listening \{"url":"http:\/\/127\.0\.0\.1:4000"\}$/);
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: odd request .*"\[redacted\]"/);
    expect(lines[2]).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: deliveries in the last \d+ s: 5 attempts, 2 delivered, 2 retrying, 1 failed \(errors: 503 ×2, TIMEOUT ×1\)$/,
    );
    expect(text()).not.toContain('sbk_secret_value');
  });

  it('pretty without summarising (debug, trace) shows every attempt; JSON stays JSON', () => {
    const pretty = collector();
    const logger = createLogger('debug', prettyDestination({ out: pretty.out, colorize: false, summariseAttempts: false }));
    logger.info(attempt('DELIVERED', null), 'delivery attempt');
    expect(pretty.text()).toMatch(/INFO: delivery attempt .*"outcome":"DELIVERED"/);

    const json = collector();
    createLogger('info', json.out as never).info(attempt('DELIVERED', null), 'delivery attempt');
    expect(JSON.parse(json.text())).toMatchObject({ level: 'info', msg: 'delivery attempt', outcome: 'DELIVERED' });
  });
});
