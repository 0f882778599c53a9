// Property-based tests (fast-check) for the edge's JSON rules and signature verification.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { checkJsonValue, MAX_JSON_DEPTH, parseJsonBody, scanJsonText } from './json-guard.ts';
import { verifySignature } from './signature.ts';

const depthOf = (v: unknown): number =>
  v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf)) : 0;
const storable = (s: string) => !s.includes('\u0000') && s.isWellFormed();
const allStrings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...allStrings(x)]) : [];

describe('JSON at the edge (property-based)', () => {
  it('a document is accepted exactly when it is storable and at most 64 deep, and parses to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const text = JSON.stringify(value);
        const r = parseJsonBody(Buffer.from(text));
        const ok = allStrings(value).every(storable);
        expect(r.ok).toBe(ok);
        if (r.ok) expect(r.value).toEqual(JSON.parse(text));
        expect(checkJsonValue(value) === null).toBe(ok);
      }),
      { numRuns: 500 },
    );
  });
  it('any string holding NUL or a lone surrogate is refused, raw or escaped, in a value or a key', () => {
    const bad = fc.oneof(fc.constant('\u0000'), fc.constant('\ud800'), fc.constant('\udfff'), fc.constant('\udbff x'));
    fc.assert(
      fc.property(fc.string(), bad, fc.string(), fc.boolean(), (a, b, c, asKey) => {
        const s = `${a}${b}${c}`;
        const doc = asKey ? { [s]: 1 } : { v: s };
        const escaped = JSON.stringify(doc);
        expect(scanJsonText(escaped)?.code).toBe('UNSUPPORTED_CHARACTER');
        expect(checkJsonValue(doc)?.code).toBe('UNSUPPORTED_CHARACTER');
      }),
      { numRuns: 300 },
    );
  });
  it('nesting: refused above the limit, accepted at it, whatever the mix of arrays and objects and strings with brackets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }),
        fc.string(),
        (depth, kinds, filler) => {
          let text = JSON.stringify(`[{${filler}`);
          for (let i = 0; i < depth; i++) text = kinds[i] ? `[${text}]` : `{"k":${text}}`;
          const r = parseJsonBody(Buffer.from(text));
          if (depth > MAX_JSON_DEPTH) expect(r.ok ? 'accepted' : r.code).toBe('TOO_DEEP');
          else if (storable(filler)) expect(r.ok).toBe(true);
          if (r.ok) expect(depthOf(r.value)).toBe(depth);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('random bytes never throw: a refusal with a code, or a storable value', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = parseJsonBody(bytes);
        if (r.ok) expect(checkJsonValue(r.value)).toBeNull();
        else expect(['INVALID_UTF8', 'UNSUPPORTED_CHARACTER', 'TOO_DEEP', 'INVALID_JSON']).toContain(r.code);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('signature verification (property-based)', () => {
  const secret = `whsec_${Buffer.from('property-test-secret-0123456789').toString('base64')}`;
  const setup = { signingSecret: secret, signatureScheme: 'STANDARD_WEBHOOKS' as const, signatureHeader: null };
  it('accepts exactly what the reference library signed: any change to body, id or timestamp is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 0, maxLength: 300 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat({ max: 299 }),
        fc.nat(),
        (body, id, skew, flip) => {
          fc.pre(!/[\r\n]/.test(id) && id.trim() === id && id.length > 0);
          const at = new Date(Date.now() - skew * 1000);
          const headers = {
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': new Webhook(secret).sign(id, at, body),
          };
          const bytes = Buffer.from(body);
          expect(verifySignature(setup, headers, bytes).ok).toBe(true);
          if (bytes.length > 0) {
            const tampered = Buffer.from(bytes);
            const i = flip % tampered.length;
            tampered[i] = (tampered[i] as number) ^ 0x01;
            expect(verifySignature(setup, headers, tampered).ok).toBe(tampered.toString() === body);
          }
          expect(verifySignature(setup, { ...headers, 'webhook-id': `${id}x` }, bytes).ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
  it('HMAC hex: any header value that is not the signature is refused', () => {
    const hex = { signingSecret: 'hex-secret-123456', signatureScheme: 'HMAC_SHA256_HEX' as const, signatureHeader: 'x-signature' };
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 80 }), (body, given) => {
        const right = createHmac('sha256', 'hex-secret-123456').update(body).digest('hex');
        fc.pre(given !== right && given !== `sha256=${right}`);
        expect(verifySignature(hex, { 'x-signature': given }, Buffer.from(body)).ok).toBe(false);
        expect(verifySignature(hex, { 'x-signature': right }, Buffer.from(body)).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
