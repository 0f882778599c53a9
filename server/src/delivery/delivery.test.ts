import { generateSigningSecret } from '@switchboard/db';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { applyFieldMapping, MappingError } from './field-mapping.ts';
import { isSecretHeader, SecretScrubber } from '../secrets/scrubber.ts';
import { parseRateLimit, retryAfterSeconds } from './headers.ts';
import { decideRetry } from './retry-policy.ts';
import { credentialHeaders, destinationRecordIdOf, networkErrorCode, signWebhook } from './sender.ts';

describe('retry policy', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  const base = { schedule: [0, 5, 300], timeScale: 1, retryAfterSeconds: null, now, jitter: 0 };
  it('follows the schedule, then fails when it is exhausted', () => {
    expect(decideRetry({ ...base, errorCode: '503', cycleAttempt: 1 })).toEqual({
      status: 'RETRYING',
      nextAttemptAt: new Date(now.getTime() + 5000),
    });
    expect(decideRetry({ ...base, errorCode: 'TIMEOUT', cycleAttempt: 2 })).toEqual({
      status: 'RETRYING',
      nextAttemptAt: new Date(now.getTime() + 300_000),
    });
    expect(decideRetry({ ...base, errorCode: '500', cycleAttempt: 3 }).status).toBe('FAILED');
  });
  it('does not retry permanent codes; scales the schedule; Retry-After is a floor in real seconds', () => {
    expect(decideRetry({ ...base, errorCode: '400', cycleAttempt: 1 }).status).toBe('FAILED');
    expect(decideRetry({ ...base, errorCode: 'MAPPING', cycleAttempt: 1 }).status).toBe('FAILED');
    expect(decideRetry({ ...base, errorCode: '429', cycleAttempt: 2, timeScale: 0.001 })).toEqual({
      status: 'RETRYING',
      nextAttemptAt: new Date(now.getTime() + 300),
    });
    expect(decideRetry({ ...base, errorCode: '429', cycleAttempt: 1, retryAfterSeconds: 60 })).toEqual({
      status: 'RETRYING',
      nextAttemptAt: new Date(now.getTime() + 60_000),
    });
  });
  it('adds at most 10% of jitter, never earlier than scheduled', () => {
    const r = decideRetry({ ...base, errorCode: '503', cycleAttempt: 2, jitter: 1 });
    expect(r).toEqual({ status: 'RETRYING', nextAttemptAt: new Date(now.getTime() + 330_000) });
  });
});

describe('headers', () => {
  it('redacts secrets by name and by pattern', () => {
    for (const h of [
      'Authorization',
      'cookie',
      'Set-Cookie',
      'x-api-key',
      'webhook-signature',
      'stripe-signature',
      'x-hub-signature-256',
      'x-access-token',
      'x-client-secret',
      'x-goog-api-key',
    ]) {
      expect(isSecretHeader(h)).toBe(true);
    }
    expect(isSecretHeader('content-type')).toBe(false);
    expect(new SecretScrubber([]).headers({ authorization: 'Bearer abc', 'set-cookie': ['a=1', 'b=2'], accept: '*/*' })).toEqual([
      { name: 'authorization', value: '[redacted]' },
      { name: 'set-cookie', value: '[redacted]' },
      { name: 'set-cookie', value: '[redacted]' },
      { name: 'accept', value: '*/*' },
    ]);
    expect(new SecretScrubber(['tok_123456']).scrub('{"echo":"tok_123456"}')).toBe('{"echo":"[redacted]"}');
  });
  it('parses x-ratelimit-*, RateLimit-* and Retry-After (seconds or a date)', () => {
    const at = new Date('2026-11-23T10:00:00Z');
    expect(
      parseRateLimit(
        {
          'x-ratelimit-max': '100',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-limit-daily': '5000',
          'x-ratelimit-daily-remaining': '4',
          'retry-after': '7',
        },
        at,
      ),
    ).toEqual({
      max: 100,
      remaining: 0,
      dailyLimit: 5000,
      dailyRemaining: 4,
      retryAfterSeconds: 7,
      observedAt: at.toISOString(),
    });
    expect(parseRateLimit({ 'ratelimit-limit': '50', 'ratelimit-remaining': '49' }, at)).toMatchObject({ max: 50, remaining: 49 });
    expect(parseRateLimit({ 'content-type': 'text/plain' }, at)).toBeNull();
    expect(retryAfterSeconds('Mon, 23 Nov 2026 10:00:30 GMT', at.getTime())).toBe(30);
  });
});

describe('field mapping', () => {
  const payload = { id: 'p1', contact: { email: 'a@b.c', tags: ['x', 'y'] } };
  it('maps paths (nested targets, array indexes, literals, optional paths)', () => {
    expect(
      applyFieldMapping(
        { 'properties.email': '$.contact.email', tag: '$.contact.tags[1]', source: 'sb', 'phone?': '$.contact.phone?' },
        payload,
      ),
    ).toEqual({
      properties: { email: 'a@b.c' },
      tag: 'y',
      source: 'sb',
    });
    expect(applyFieldMapping(null, payload)).toBe(payload);
  });
  it('throws MappingError naming what did not resolve', () => {
    expect(() => applyFieldMapping({ email: '$.contact.mail' }, payload)).toThrow(MappingError);
    expect(() => applyFieldMapping({ email: '$.contact.mail' }, payload)).toThrow(/email ← \$\.contact\.mail/);
  });
});

describe('sender helpers', () => {
  it('turns credentials into headers', () => {
    expect(credentialHeaders({ token: 't', apiKey: 'k', headers: { 'X-Tenant': 'acme' } })).toEqual({
      authorization: 'Bearer t',
      'x-api-key': 'k',
      'x-tenant': 'acme',
    });
    expect(credentialHeaders({ username: 'u', password: 'p' })).toEqual({
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
  });
  it('finds a destination record id in common answer shapes', () => {
    expect(destinationRecordIdOf('{"id":"c_1"}')).toBe('c_1');
    expect(destinationRecordIdOf('{"data":{"id":42}}')).toBe('42');
    expect(destinationRecordIdOf('ok')).toBeNull();
  });
  it('names network failures by catalog code', () => {
    expect(networkErrorCode(Object.assign(new Error('x'), { cause: { code: 'ECONNREFUSED' } })).code).toBe('CONNECTION_REFUSED');
    expect(networkErrorCode({ code: 'ENOTFOUND', message: 'getaddrinfo' }).code).toBe('DNS');
    expect(networkErrorCode({ code: 'UND_ERR_HEADERS_TIMEOUT', message: 't' }).code).toBe('TIMEOUT');
    expect(networkErrorCode({ code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'tls' }).code).toBe('TLS');
    expect(networkErrorCode({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self signed' }).code).toBe('TLS');
  });
});

describe('outbound signature', () => {
  it('is what standardwebhooks signs and verifies, for whsec_ secrets and raw ones', () => {
    const at = new Date('2026-11-24T01:02:03.456Z');
    const body = JSON.stringify({ type: 'invoice.paid', amount: 4200, note: 'ünïcode ✓' });
    for (const [secret, webhook] of [
      [generateSigningSecret(), (s: string) => new Webhook(s)],
      ['not base64 at all: a raw shared secret', (s: string) => new Webhook(s, { format: 'raw' })],
    ] as const) {
      const signature = signWebhook(secret, 'evt_123', at, body);
      expect(signature).toBe(webhook(secret).sign('evt_123', at, body));
      const headers = { 'webhook-id': 'evt_123', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': '' };
      const now = new Date();
      headers['webhook-signature'] = signWebhook(secret, 'evt_123', now, body);
      expect(webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
      expect(signWebhook(secret, 'evt_124', at, body)).not.toBe(signature);
    }
  });
});
