import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifySignature } from './signature.ts';

const body = Buffer.from('{"type":"invoice.paid","id":"in_1"}');

describe('signature verification', () => {
  it('Standard Webhooks: accepts what the reference library signs; rejects tampering and stale timestamps', () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789').toString('base64')}`;
    const wh = new Webhook(secret);
    const at = new Date();
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': wh.sign('msg_1', at, body.toString()),
    };
    const setup = { signingSecret: secret, signatureScheme: 'STANDARD_WEBHOOKS' as const, signatureHeader: null };
    expect(verifySignature(setup, headers, body)).toEqual({ ok: true });
    expect(verifySignature(setup, headers, Buffer.from(`${body} `)).ok).toBe(false);
    const old = new Date(at.getTime() - 10 * 60_000);
    const stale = {
      ...headers,
      'webhook-timestamp': String(Math.floor(old.getTime() / 1000)),
      'webhook-signature': wh.sign('msg_1', old, body.toString()),
    };
    expect(verifySignature(setup, stale, body)).toEqual({ ok: false, reason: expect.stringMatching(/tolerance/) });
  });
  it('Stripe: t=…,v1=… over "<t>.<body>", several v1 allowed, 5-minute tolerance', () => {
    const setup = { signingSecret: 'whsec_stripe', signatureScheme: 'STRIPE' as const, signatureHeader: null };
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', 'whsec_stripe').update(`${t}.${body}`).digest('hex');
    expect(verifySignature(setup, { 'stripe-signature': `t=${t},v1=deadbeef,v1=${v1}` }, body)).toEqual({ ok: true });
    expect(verifySignature(setup, { 'stripe-signature': `t=${t - 400},v1=${v1}` }, body).ok).toBe(false);
  });
  it('GitHub and hex HMAC in a named header', () => {
    const hex = createHmac('sha256', 's3cret').update(body).digest('hex');
    expect(
      verifySignature(
        { signingSecret: 's3cret', signatureScheme: 'GITHUB', signatureHeader: null },
        { 'x-hub-signature-256': `sha256=${hex}` },
        body,
      ),
    ).toEqual({ ok: true });
    expect(
      verifySignature(
        { signingSecret: 's3cret', signatureScheme: 'HMAC_SHA256_HEX', signatureHeader: 'X-Signature' },
        { 'x-signature': hex.toUpperCase() },
        body,
      ),
    ).toEqual({ ok: true });
    expect(
      verifySignature(
        { signingSecret: 'other', signatureScheme: 'GITHUB', signatureHeader: null },
        { 'x-hub-signature-256': `sha256=${hex}` },
        body,
      ).ok,
    ).toBe(false);
  });
});
