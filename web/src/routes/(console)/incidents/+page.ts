import type { IncidentKind, IncidentState } from '#lib/utils/incidents.ts';
import { INCIDENT_KINDS, INCIDENT_STATES, UNRESOLVED_STATES } from '#lib/utils/incidents.ts';
import type { PageLoad } from './$types';

/** Filters live in the URL (`?state=OPEN,ACKNOWLEDGED&kind=ALL_FAILING&integration=int_…`); unresolved by default. */
export const load = (({ url }) => {
	const list = (name: string) => (url.searchParams.get(name) ?? '').split(',').filter(Boolean);
	const stateParam = url.searchParams.get('state');
	const states =
		stateParam === 'all'
			? []
			: stateParam
				? list('state').filter((s): s is IncidentState => (INCIDENT_STATES as string[]).includes(s))
				: UNRESOLVED_STATES;
	const kinds = list('kind').filter((k): k is IncidentKind => (INCIDENT_KINDS as string[]).includes(k));
	return { states, stateParam: stateParam ?? '', kinds, integrationId: url.searchParams.get('integration') ?? '' };
}) satisfies PageLoad;
