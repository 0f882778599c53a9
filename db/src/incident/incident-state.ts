// The incident lifecycle (DESIGN.md "Insight"): OPEN → ACKNOWLEDGED → RESOLVED, and MUTED until a
// time. RESOLVED is final: a condition that returns opens a new incident. A missing entry is an
// invalid transition.
import type { IncidentState } from '../domain.ts';
import { InvalidTransitionError } from '../errors.ts';

export const INCIDENT_ACTIONS = ['acknowledge', 'resolve', 'mute', 'unmute'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];

export const INCIDENT_ACTION_TARGET: Readonly<Record<IncidentAction, IncidentState>> = {
  acknowledge: 'ACKNOWLEDGED',
  resolve: 'RESOLVED',
  mute: 'MUTED',
  // The system's move when a mute ends while the condition still holds.
  unmute: 'OPEN',
};

export const INCIDENT_ACTION_SOURCES: Readonly<Record<IncidentAction, readonly IncidentState[]>> = {
  acknowledge: ['OPEN', 'MUTED'],
  resolve: ['OPEN', 'ACKNOWLEDGED', 'MUTED'],
  // Muting again moves the end of the mute.
  mute: ['OPEN', 'ACKNOWLEDGED', 'MUTED'],
  unmute: ['MUTED'],
};

/** One recorded change of an incident (the `history` column, oldest first). */
export interface IncidentChange {
  from: IncidentState | null;
  to: IncidentState;
  at: string;
  /** API key name, or "system". */
  actor: string;
  note: string | null;
}

export function nextIncidentState(action: IncidentAction, from: IncidentState): IncidentState {
  const to = INCIDENT_ACTION_TARGET[action];
  if (!INCIDENT_ACTION_SOURCES[action].includes(from)) throw new InvalidTransitionError('incident', action, from, to);
  return to;
}
