import type { introspection_types } from '#lib/graphql/graphql-env.d.ts';
import type { Tone } from './labels.ts';

export type IncidentKind = introspection_types['IncidentKind']['enumValues'];
export type IncidentState = introspection_types['IncidentState']['enumValues'];
export type IncidentSeverity = introspection_types['IncidentSeverity']['enumValues'];

export const incidentKindLabel: Record<IncidentKind, string> = {
	ALL_FAILING: 'Everything failing',
	CONSECUTIVE_FAILURES: 'Failures in a row',
	FAILURE_SPIKE: 'Failure spike',
	STUCK_PROCESSING: 'Stuck events',
	RECURRING_DAILY: 'Daily failure hour',
	RATE_LIMIT_HEADROOM: 'Rate limit nearly spent',
	SILENCE: 'Gone quiet',
	DESTINATION_DOWN: 'Destination down'
};
export const INCIDENT_KINDS = Object.keys(incidentKindLabel) as IncidentKind[];

export const incidentStateInfo: Record<IncidentState, { label: string; tone: Tone }> = {
	OPEN: { label: 'Open', tone: 'bad' },
	ACKNOWLEDGED: { label: 'Acknowledged', tone: 'warn' },
	MUTED: { label: 'Muted', tone: 'neutral' },
	RESOLVED: { label: 'Resolved', tone: 'good' }
};
export const INCIDENT_STATES = Object.keys(incidentStateInfo) as IncidentState[];

/** Not resolved: what the overview leads with. */
export const UNRESOLVED_STATES: IncidentState[] = ['OPEN', 'ACKNOWLEDGED', 'MUTED'];

/** The worst first: critical before warning, open before acknowledged before muted, newest first. */
export function worstFirst<T extends { severity: IncidentSeverity; state: IncidentState; openedAt: string }>(list: readonly T[]): T[] {
	const stateRank: Record<IncidentState, number> = { OPEN: 0, ACKNOWLEDGED: 1, MUTED: 2, RESOLVED: 3 };
	return [...list].sort(
		(a, b) =>
			(a.severity === 'CRITICAL' ? 0 : 1) - (b.severity === 'CRITICAL' ? 0 : 1) ||
			stateRank[a.state] - stateRank[b.state] ||
			b.openedAt.localeCompare(a.openedAt)
	);
}
