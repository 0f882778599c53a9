// The event status machine (DESIGN.md). Replay re-opens a finished event for a new attempt cycle.
import type { EventStatus } from '../domain.ts';
import { InvalidTransitionError } from '../errors.ts';

export const EVENT_TRANSITIONS: Readonly<Record<EventStatus, readonly EventStatus[]>> = {
  RECEIVED: ['PROCESSING'],
  PROCESSING: ['DELIVERED', 'RETRYING', 'FAILED'],
  RETRYING: ['PROCESSING'],
  DELIVERED: ['RECEIVED'],
  FAILED: ['RECEIVED'],
};

export function canMoveEvent(from: EventStatus, to: EventStatus): boolean {
  return EVENT_TRANSITIONS[from].includes(to);
}

export function assertEventTransition(from: EventStatus, to: EventStatus): void {
  if (!canMoveEvent(from, to)) throw new InvalidTransitionError('event', `move`, from, to);
}

/** Statuses the worker may claim. */
export const DUE_STATUSES: readonly EventStatus[] = ['RECEIVED', 'RETRYING'];
/** Statuses a replay may start from. */
export const REPLAYABLE_STATUSES: readonly EventStatus[] = ['DELIVERED', 'FAILED'];

export interface EventStatusChange {
  from: EventStatus | null;
  to: EventStatus;
  at: string;
  reason: string | null;
}
