import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacKeys } from './hmac-keys.ts';

describe('HmacKeys', () => {
  it('makes each secret into a key once, and the key signs as its bytes do', () => {
    let made = 0;
    const keys = new HmacKeys((secret) => {
      made++;
      return Buffer.from(secret, 'utf8');
    });
    const a = keys.get('s3cret');
    expect(keys.get('s3cret')).toBe(a);
    expect(made).toBe(1);
    expect(createHmac('sha256', a).update('body').digest('hex')).toBe(createHmac('sha256', 's3cret').update('body').digest('hex'));
    // An empty secret is still a key (HMAC defines it); a different secret is a different key.
    expect(createHmac('sha256', keys.get('')).update('x').digest('hex')).toBe(createHmac('sha256', '').update('x').digest('hex'));
    expect(keys.get('other')).not.toBe(a);
    expect(made).toBe(3);
  });
});
