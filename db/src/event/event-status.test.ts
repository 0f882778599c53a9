import { describe, expect, it } from 'vitest';
import { EVENT_STATUSES, type EventStatus } from '../domain.ts';
import { InvalidTransitionError } from '../errors.ts';
import { Event } from './event.entity.ts';
import { canMoveEvent } from './event-status.ts';

const VALID = new Set([
  'RECEIVED>PROCESSING',
  'PROCESSING>DELIVERED',
  'PROCESSING>RETRYING',
  'PROCESSING>FAILED',
  'RETRYING>PROCESSING',
  // replay opens a new attempt cycle
  'DELIVERED>RECEIVED',
  'FAILED>RECEIVED',
]);

function eventIn(status: EventStatus): Event {
  const e = new Event();
  Object.assign(e, { status, statusHistory: [], processingStartedAt: null, deliveredAt: null });
  return e;
}

describe('event status machine', () => {
  for (const from of EVENT_STATUSES) {
    for (const to of EVENT_STATUSES) {
      const valid = VALID.has(`${from}>${to}`);
      it(`${from} → ${to} is ${valid ? 'valid' : 'invalid'}`, () => {
        expect(canMoveEvent(from, to)).toBe(valid);
        const e = eventIn(from);
        if (valid) {
          const at = new Date('2026-11-23T10:00:00.000Z');
          e.moveTo(to, 'why', at);
          expect(e.status).toBe(to);
          expect(e.statusHistory).toEqual([{ from, to, at: at.toISOString(), reason: 'why' }]);
          expect(e.processingStartedAt).toEqual(to === 'PROCESSING' ? at : null);
          if (to === 'DELIVERED') expect(e.deliveredAt).toEqual(at);
        } else {
          expect(() => e.moveTo(to)).toThrow(InvalidTransitionError);
          expect(() => e.moveTo(to)).toThrow(new RegExp(`${from} → ${to}`));
          expect(e.status).toBe(from);
          expect(e.statusHistory).toEqual([]);
        }
      });
    }
  }
});
