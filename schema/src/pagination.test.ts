// Property-based tests (fast-check): cursors round-trip, and no string decodes to anything but a cursor or BAD_USER_INPUT.
import { AppError } from '@switchboard/db';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './pagination.ts';

describe('cursor decoding (property-based)', () => {
  it('round-trips what it encodes; anything else is BAD_USER_INPUT, never another error', () => {
    fc.assert(
      fc.property(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), (s, n) => {
        expect(decodeCursor(encodeCursor([s, n]), 'sn')).toEqual([s, Object.is(n, -0) ? 0 : n]);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.constantFrom('s', 'n', 'sn', 'ssn'), (cursor, kinds) => {
        try {
          decodeCursor(cursor, kinds);
        } catch (err) {
          expect(err).toBeInstanceOf(AppError);
          expect((err as AppError).code).toBe('BAD_USER_INPUT');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
