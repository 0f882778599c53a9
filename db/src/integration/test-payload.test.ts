import { describe, expect, it } from 'vitest';
import { testPayloadFor } from './test-payload.ts';

describe('testPayloadFor', () => {
  it('fills every required path of the mapping, with values that fit their names', () => {
    const p = testPayloadFor(
      { id: '$.id', type: '$.type', data: '$.data', 'contact.email': '$.customer.email', first: '$.items[0].sku', note: '$.note?', v: 2 },
      'order.created',
      'evt_1',
    );
    expect(p.id).toBe('evt_1');
    expect(p.type).toBe('order.created');
    expect(p.data).toEqual({ test: true });
    expect(p.customer).toEqual({ email: 'test@example.com' });
    expect(p.items).toEqual([{ sku: { test: true } }]);
    // Optional paths and literals need nothing.
    expect(p).not.toHaveProperty('note');
    expect(p.test).toBe(true);
  });

  it('without a mapping is a plain test payload', () => {
    expect(testPayloadFor(null, 'ping', 'x')).toMatchObject({ id: 'x', type: 'ping', test: true });
  });
});
