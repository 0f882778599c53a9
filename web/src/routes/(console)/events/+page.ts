import { parseEventFilters } from '#lib/utils/event-filters.ts';
import type { PageLoad } from './$types';

export const load = (({ url }) => ({ filters: parseEventFilters(url.searchParams) })) satisfies PageLoad;
