import type { IntegrationState } from '#lib/graphql/enums.ts';

export type LifecycleAction = 'pause' | 'resume' | 'reconnect' | 'disconnect';

export interface LifecycleOption {
	action: LifecycleAction;
	label: string;
	enabled: boolean;
	/** Why the action is unavailable in this state (only when disabled). */
	reason?: string;
	/** Needs an explicit confirmation before it runs. */
	confirm: boolean;
	/** What the action will do, for a tooltip / description. */
	effect: string;
}

const EFFECT: Record<LifecycleAction, string> = {
	pause: 'Hold deliveries; events are still accepted and stored.',
	resume: 'Release held events in order and deliver new ones.',
	reconnect: 'Run a test call; the integration becomes active only if it succeeds.',
	disconnect: 'Stop accepting events (ingest answers 410) and send nothing.'
};

const LABEL: Record<LifecycleAction, string> = {
	pause: 'Pause',
	resume: 'Resume',
	reconnect: 'Reconnect',
	disconnect: 'Disconnect'
};

// The transition table from DESIGN.md: a string is the reason the action is not allowed.
const TABLE: Record<IntegrationState, Record<LifecycleAction, true | string>> = {
	ACTIVE: {
		pause: true,
		resume: 'It is already active.',
		reconnect: 'It is already connected.',
		disconnect: true
	},
	PAUSED: {
		pause: 'It is already paused.',
		resume: true,
		reconnect: 'A paused integration is still connected; resume it instead.',
		disconnect: true
	},
	ERROR: {
		pause: true,
		resume: 'An integration in error needs a reconnect, which tests the connection first.',
		reconnect: true,
		disconnect: true
	},
	DISCONNECTED: {
		pause: 'A disconnected integration has nothing to pause; reconnect it first.',
		resume: 'A disconnected integration must be reconnected, not resumed.',
		reconnect: true,
		disconnect: 'It is already disconnected.'
	}
};

export const LIFECYCLE_ACTIONS: readonly LifecycleAction[] = ['pause', 'resume', 'reconnect', 'disconnect'];

/** Every lifecycle action with whether it is valid from `state`, in a stable order for the button row. */
export function lifecycleOptions(state: IntegrationState): LifecycleOption[] {
	return LIFECYCLE_ACTIONS.map((action) => {
		const rule = TABLE[state][action];
		return {
			action,
			label: LABEL[action],
			enabled: rule === true,
			reason: rule === true ? undefined : rule,
			confirm: action === 'disconnect',
			effect: EFFECT[action]
		};
	});
}
