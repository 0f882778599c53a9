import { describe, expect, it } from 'vitest';
import { validate, version } from 'uuid';
import { decodeId, decodeIdOf, encodeId, newId, randomBytesPooled } from './ids.ts';

describe('public ids', () => {
  it('round-trips and keeps the kind', () => {
    const uuid = newId();
    const id = encodeId('Integration', uuid);
    expect(id).toMatch(/^int_[0-9a-f]{32}$/);
    expect(decodeId(id)).toEqual({ kind: 'Integration', uuid });
    expect(decodeIdOf('Integration', id)).toBe(uuid);
    expect(decodeIdOf('Event', id)).toBeNull();
  });

  it.each(['', 'int_', 'int_xyz', 'nope_0123456789abcdef0123456789abcdef', `int_${'0'.repeat(31)}`, "int_' or 1=1 --"])(
    'rejects %j',
    (bad) => {
      expect(decodeId(bad)).toBeNull();
    },
  );

  it('makes valid v7 UUIDs, unique and increasing even within one millisecond, across pool refills', () => {
    const ids = Array.from({ length: 5_000 }, () => newId());
    for (const id of ids.slice(0, 50)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('pooled random bytes are never handed out twice', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1_000; i++) seen.add(randomBytesPooled(16).toString('hex'));
    expect(seen.size).toBe(1_000);
    const a = randomBytesPooled(4000);
    const copy = Buffer.from(a);
    randomBytesPooled(4000); // refills: the earlier slice must stay as it was
    expect(a.equals(copy)).toBe(true);
  });
});
