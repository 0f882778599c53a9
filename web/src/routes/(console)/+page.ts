import { isRollingPeriod, type PeriodKey } from '#lib/utils/time.ts';
import type { PageLoad } from './$types';

/** The dashboard's period and trend bucket live in the URL so a view can be shared. */
export const load = (({ url }) => {
	const requested = url.searchParams.get('period');
	const from = url.searchParams.get('from') ?? '';
	const to = url.searchParams.get('to') ?? '';
	const period: PeriodKey = isRollingPeriod(requested) ? requested : requested === 'custom' && from && to ? 'custom' : '30d';
	const bucketParam = url.searchParams.get('bucket');
	// The trends span 30 days: daily buckets unless hourly ones are asked for.
	const bucket = bucketParam === 'HOUR' ? 'HOUR' : 'DAY';
	return { period, from: period === 'custom' ? from : '', to: period === 'custom' ? to : '', bucket } as const;
}) satisfies PageLoad;
