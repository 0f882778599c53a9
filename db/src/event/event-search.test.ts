import { describe, expect, it } from 'vitest';
import { parseEventSearch } from './event-search.ts';

describe('parseEventSearch', () => {
  it('reads an event id, a trace id in any case, and anything else as an exact value', () => {
    expect(parseEventSearch('evt_0193A1B2C3D4E5F60718293A4B5C6D7E')).toEqual({ kind: 'id', id: '0193a1b2-c3d4-e5f6-0718-293a4b5c6d7e' });
    expect(parseEventSearch(' 4BF92F3577B34DA6A3CE929D0E0E4736 ')).toEqual({
      kind: 'exact',
      value: '4BF92F3577B34DA6A3CE929D0E0E4736',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(parseEventSearch('ord_1001')).toEqual({ kind: 'exact', value: 'ord_1001', traceId: 'ord_1001' });
    expect(parseEventSearch('  ')).toBeNull();
  });

  it('turns key = value (dotted paths, typed scalars, quotes for strings) and JSON into payload containment', () => {
    expect(parseEventSearch('email = grace@example.com')).toEqual({ kind: 'payload', contains: { email: 'grace@example.com' } });
    expect(parseEventSearch('customer.id=42')).toEqual({ kind: 'payload', contains: { customer: { id: 42 } } });
    expect(parseEventSearch('customer.id = "42"')).toEqual({ kind: 'payload', contains: { customer: { id: '42' } } });
    expect(parseEventSearch('paid: true')).toEqual({ kind: 'payload', contains: { paid: true } });
    expect(parseEventSearch('{"items":[{"sku":"A-1"}]}')).toEqual({ kind: 'payload', contains: { items: [{ sku: 'A-1' }] } });
  });
});
