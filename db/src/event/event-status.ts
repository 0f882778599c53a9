// The event status machine (DESIGN.md), as the pipeline's operations move events through it.
import type { EventStatus } from '../domain.ts';
import { InvalidTransitionError } from '../errors.ts';

/**
 * What each pipeline operation may move, from which statuses to which: the one table the SQL statements
 * in db/src/event/ take their statuses from (through `sqlStatuses`), and from which the status machine
 * below is derived. Replay re-opens a finished event for a new attempt cycle; a released lease (its
 * worker died) puts an event back where it was before the claim.
 */
export const EVENT_OPERATIONS = {
  insert: { from: [], to: ['RECEIVED'] },
  claim: { from: ['RECEIVED', 'RETRYING'], to: ['PROCESSING'] },
  record: { from: ['PROCESSING'], to: ['DELIVERED', 'RETRYING', 'FAILED'] },
  reopen: { from: ['DELIVERED', 'FAILED'], to: ['RECEIVED'] },
  reclaimStuck: { from: ['PROCESSING'], to: ['RETRYING'] },
  releaseLease: { from: ['PROCESSING'], to: ['RECEIVED', 'RETRYING'] },
} as const satisfies Record<string, { from: readonly EventStatus[]; to: readonly EventStatus[] }>;

export const EVENT_TRANSITIONS: Readonly<Record<EventStatus, readonly EventStatus[]>> = (() => {
  const out: Record<EventStatus, EventStatus[]> = { RECEIVED: [], PROCESSING: [], RETRYING: [], DELIVERED: [], FAILED: [] };
  for (const op of Object.values(EVENT_OPERATIONS))
    for (const from of op.from as readonly EventStatus[]) for (const to of op.to) if (!out[from].includes(to)) out[from].push(to);
  return out;
})();

/** A status list as SQL, for `status in ${sqlStatuses(...)}`. */
export function sqlStatuses(statuses: readonly EventStatus[]): string {
  return `(${statuses.map((s) => `'${s}'`).join(', ')})`;
}

export function canMoveEvent(from: EventStatus, to: EventStatus): boolean {
  return EVENT_TRANSITIONS[from].includes(to);
}

export function assertEventTransition(from: EventStatus, to: EventStatus): void {
  if (!canMoveEvent(from, to)) throw new InvalidTransitionError('event', `move`, from, to);
}

/** Statuses the worker may claim. */
export const DUE_STATUSES: readonly EventStatus[] = EVENT_OPERATIONS.claim.from;
/** Statuses a replay may start from. */
export const REPLAYABLE_STATUSES: readonly EventStatus[] = EVENT_OPERATIONS.reopen.from;

export interface EventStatusChange {
  from: EventStatus | null;
  to: EventStatus;
  at: string;
  reason: string | null;
}
