import { describe, expect, it } from 'vitest';
import { EVENT_STATUSES } from '../domain.ts';
import { InvalidTransitionError } from '../errors.ts';
import { assertEventTransition, canMoveEvent, EVENT_OPERATIONS, sqlStatuses } from './event-status.ts';

// Written out independently of EVENT_OPERATIONS, so a change to the table shows up here.
const VALID = new Set([
  'RECEIVED>PROCESSING',
  'PROCESSING>DELIVERED',
  'PROCESSING>RETRYING',
  'PROCESSING>FAILED',
  'RETRYING>PROCESSING',
  // replay opens a new attempt cycle
  'DELIVERED>RECEIVED',
  'FAILED>RECEIVED',
  // a released lease puts a first attempt back where it was (a later one goes back to RETRYING)
  'PROCESSING>RECEIVED',
]);

describe('event status machine', () => {
  for (const from of EVENT_STATUSES) {
    for (const to of EVENT_STATUSES) {
      const valid = VALID.has(`${from}>${to}`);
      it(`${from} → ${to} is ${valid ? 'valid' : 'invalid'}`, () => {
        expect(canMoveEvent(from, to)).toBe(valid);
        if (valid) expect(() => assertEventTransition(from, to)).not.toThrow();
        else expect(() => assertEventTransition(from, to)).toThrow(new InvalidTransitionError('event', 'move', from, to));
      });
    }
  }
  it('gives the SQL statements their status lists', () => {
    expect(sqlStatuses(EVENT_OPERATIONS.claim.from)).toBe("('RECEIVED', 'RETRYING')");
    expect(sqlStatuses(EVENT_OPERATIONS.reopen.from)).toBe("('DELIVERED', 'FAILED')");
  });
});
