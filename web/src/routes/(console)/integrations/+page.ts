import { ENVIRONMENTS, INTEGRATION_STATES, INTEGRATION_TYPES, isOneOf } from '#lib/graphql/enums.ts';
import type { PageLoad } from './$types';

function list<T extends string>(params: URLSearchParams, name: string, allowed: readonly T[]): T[] {
	const values = params.getAll(name).flatMap((v) => v.split(','));
	return allowed.filter((a) => values.includes(a));
}

export const load = (({ url }) => {
	const p = url.searchParams;
	const environment = p.get('environment');
	return {
		filters: {
			search: (p.get('q') ?? '').trim(),
			states: list(p, 'state', INTEGRATION_STATES),
			types: list(p, 'type', INTEGRATION_TYPES),
			environment: isOneOf(ENVIRONMENTS, environment) ? environment : null,
			provider: (p.get('provider') ?? '').trim()
		}
	};
}) satisfies PageLoad;
