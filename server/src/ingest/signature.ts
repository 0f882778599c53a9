// Verifies an inbound webhook against its integration's signing secret. Standard Webhooks (the
// default): HMAC-SHA256 keyed with the secret's base64 part over `<id>.<timestamp>.<body>`, any `v1,`
// signature of the header matching, timestamp within 5 minutes. Computed with node:crypto (OpenSSL)
// rather than the `standardwebhooks` package's verify, which hashes in JavaScript (fast-sha256): 5.5% of
// the server's CPU under the ingest bench. The package signs the unit test's requests, so the two
// cannot drift apart, and it still validates secrets (checkSigningSetup).
// The per-integration alternatives follow what those providers document: hex HMAC-SHA256 of the raw
// body in a named header, Stripe's `t=…,v1=…` over `<t>.<body>` with a 5-minute tolerance, and
// GitHub's `sha256=<hex>`. Those three key the HMAC with the secret's text, as the providers do.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SignatureScheme } from '@switchboard/db';
import { Webhook } from 'standardwebhooks';
import { HmacKeys } from '../hmac-keys.ts';

export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export interface SigningSetup {
  signingSecret: string;
  /** After a rotation, the replaced secret verifies too until `previousSecretExpiresAt` (ms epoch). */
  previousSigningSecret?: string | null;
  previousSecretExpiresAt?: number | null;
  signatureScheme: SignatureScheme;
  signatureHeader: string | null;
}

export type Verification = { ok: true } | { ok: false; reason: string };

const standardKeys = new HmacKeys((secret) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64'));

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function hexEqual(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]+$/i.test(givenHex)) return false;
  const a = Buffer.from(expectedHex, 'hex');
  const b = Buffer.from(givenHex.toLowerCase(), 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const hmacKeys = new HmacKeys((secret) => Buffer.from(secret, 'utf8'));
const hmacHex = (secret: string, data: string | Buffer) => createHmac('sha256', hmacKeys.get(secret)).update(data).digest('hex');

/** Verifies with the current secret, or with the previous one while a rotation's grace window lasts. */
export function verifySignature(setup: SigningSetup, headers: IncomingHttpHeaders, body: Buffer, nowMs = Date.now()): Verification {
  const current = verifyWith(setup.signingSecret, setup, headers, body, nowMs);
  if (current.ok) return current;
  const previous = setup.previousSigningSecret;
  if (previous && setup.previousSecretExpiresAt != null && setup.previousSecretExpiresAt > nowMs) {
    if (verifyWith(previous, setup, headers, body, nowMs).ok) return { ok: true };
  }
  return current;
}

function verifyWith(secret: string, setup: SigningSetup, headers: IncomingHttpHeaders, body: Buffer, nowMs: number): Verification {
  switch (setup.signatureScheme) {
    case 'STANDARD_WEBHOOKS': {
      const id = header(headers, 'webhook-id');
      const ts = header(headers, 'webhook-timestamp');
      const sig = header(headers, 'webhook-signature');
      if (!id || !ts || !sig) return { ok: false, reason: 'Missing webhook-id, webhook-timestamp or webhook-signature header' };
      if (!/^\d+$/.test(ts)) return { ok: false, reason: 'The webhook-timestamp is not a number of seconds' };
      if (Math.abs(nowMs / 1000 - Number(ts)) > TIMESTAMP_TOLERANCE_SECONDS) {
        return { ok: false, reason: 'The webhook-timestamp is outside the 5-minute tolerance' };
      }
      const expected = createHmac('sha256', standardKeys.get(secret)).update(`${id}.${ts}.`).update(body).digest();
      for (const part of sig.split(' ')) {
        const comma = part.indexOf(',');
        if (comma === -1 || part.slice(0, comma) !== 'v1') continue;
        const given = Buffer.from(part.slice(comma + 1), 'base64');
        if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
      }
      return { ok: false, reason: 'The webhook signature does not match' };
    }
    case 'HMAC_SHA256_HEX': {
      const name = setup.signatureHeader ?? 'x-signature';
      const given = header(headers, name);
      if (!given) return { ok: false, reason: `Missing ${name} header` };
      const hex = given.replace(/^sha256=/i, '').trim();
      return hexEqual(hmacHex(secret, body), hex) ? { ok: true } : { ok: false, reason: `The ${name} signature does not match` };
    }
    case 'STRIPE': {
      const given = header(headers, 'stripe-signature');
      if (!given) return { ok: false, reason: 'Missing stripe-signature header' };
      let t: string | undefined;
      const v1: string[] = [];
      for (const part of given.split(',')) {
        const eq = part.indexOf('=');
        const k = part.slice(0, eq).trim();
        const v = part.slice(eq + 1).trim();
        if (k === 't') t = v;
        else if (k === 'v1') v1.push(v);
      }
      if (!t || !/^\d+$/.test(t) || v1.length === 0) return { ok: false, reason: 'The stripe-signature header is malformed' };
      if (Math.abs(nowMs / 1000 - Number(t)) > TIMESTAMP_TOLERANCE_SECONDS) {
        return { ok: false, reason: 'The stripe-signature timestamp is outside the 5-minute tolerance' };
      }
      const expected = hmacHex(secret, Buffer.concat([Buffer.from(`${t}.`), body]));
      return v1.some((s) => hexEqual(expected, s)) ? { ok: true } : { ok: false, reason: 'The stripe-signature does not match' };
    }
    case 'GITHUB': {
      const given = header(headers, 'x-hub-signature-256');
      if (!given?.startsWith('sha256=')) return { ok: false, reason: 'Missing or malformed x-hub-signature-256 header' };
      return hexEqual(hmacHex(secret, body), given.slice(7))
        ? { ok: true }
        : { ok: false, reason: 'The x-hub-signature-256 signature does not match' };
    }
    default:
      return { ok: false, reason: `Unknown signature scheme ${String(setup.signatureScheme)}` };
  }
}

/** Whether a secret can be used with its scheme (reconnect's check for inbound integrations). */
export function checkSigningSetup(setup: SigningSetup): { ok: boolean; reason: string | null } {
  if (!setup.signingSecret) return { ok: false, reason: 'The integration has no signing secret' };
  if (setup.signatureScheme === 'STANDARD_WEBHOOKS') {
    try {
      new Webhook(setup.signingSecret);
    } catch (err) {
      return { ok: false, reason: `The signing secret is not a valid Standard Webhooks secret: ${(err as Error).message}` };
    }
  }
  return { ok: true, reason: null };
}
