// The integration lifecycle (DESIGN.md). A missing entry is an invalid transition.
import type { IntegrationState } from '../domain.ts';
import { InvalidTransitionError } from '../errors.ts';

export const INTEGRATION_ACTIONS = ['pause', 'resume', 'reconnect', 'disconnect', 'authFailure'] as const;
export type IntegrationAction = (typeof INTEGRATION_ACTIONS)[number];

/** Where each action leads when it succeeds. */
export const ACTION_TARGET: Readonly<Record<IntegrationAction, IntegrationState>> = {
  pause: 'PAUSED',
  resume: 'ACTIVE',
  reconnect: 'ACTIVE',
  disconnect: 'DISCONNECTED',
  authFailure: 'ERROR',
};

/** The states each action may start from. */
export const ACTION_SOURCES: Readonly<Record<IntegrationAction, readonly IntegrationState[]>> = {
  pause: ['ACTIVE', 'ERROR'],
  resume: ['PAUSED'],
  reconnect: ['ERROR', 'DISCONNECTED'],
  disconnect: ['ACTIVE', 'PAUSED', 'ERROR'],
  authFailure: ['ACTIVE'],
};

export function canApply(action: IntegrationAction, from: IntegrationState): boolean {
  return ACTION_SOURCES[action].includes(from);
}

/** The target state of `action` from `from`, or an InvalidTransitionError naming both states. */
export function nextIntegrationState(action: IntegrationAction, from: IntegrationState, subject = 'integration'): IntegrationState {
  const to = ACTION_TARGET[action];
  if (!canApply(action, from)) {
    throw new InvalidTransitionError(subject, action === 'authFailure' ? 'mark auth failure on' : action, from, to);
  }
  return to;
}
