import { describe, expect, it } from 'vitest';
import { decodeId, decodeIdOf, encodeId, newId } from './ids.ts';

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
});
