/** Time helpers: every time the console shows is in the workspace's timezone, never the browser's. */

export type RollingPeriod = '24h' | '7d' | '30d';
export type PeriodKey = RollingPeriod | 'custom';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const ROLLING_PERIODS: Record<RollingPeriod, { label: string; long: string; ms: number }> = {
	'24h': { label: '24 h', long: 'Last 24 hours', ms: DAY },
	'7d': { label: '7 d', long: 'Last 7 days', ms: 7 * DAY },
	'30d': { label: '30 d', long: 'Last 30 days', ms: 30 * DAY }
};

export function isRollingPeriod(value: string | null | undefined): value is RollingPeriod {
	return value === '24h' || value === '7d' || value === '30d';
}

export interface TimeRange {
	from: string;
	to: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function isDateOnly(value: string): boolean {
	return DATE_ONLY.test(value);
}

/** The end of a rolling window: the start of the next minute, so events of this minute count and repeated renders agree. */
export function rollingEnd(now: Date): Date {
	return new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
}

export function rollingRange(period: RollingPeriod, now: Date): TimeRange {
	const to = rollingEnd(now);
	return { from: new Date(to.getTime() - ROLLING_PERIODS[period].ms).toISOString(), to: to.toISOString() };
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
	let f = partsFormatters.get(timeZone);
	if (!f) {
		f = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit'
		});
		partsFormatters.set(timeZone, f);
	}
	return f;
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
export function timeZoneOffsetMs(instant: Date, timeZone: string): number {
	const parts = Object.fromEntries(
		partsFormatter(timeZone)
			.formatToParts(instant)
			.map((p) => [p.type, p.value])
	);
	const asUtc = Date.UTC(
		Number(parts.year),
		Number(parts.month) - 1,
		Number(parts.day),
		Number(parts.hour) % 24,
		Number(parts.minute),
		Number(parts.second)
	);
	return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant a calendar day (YYYY-MM-DD) starts in `timeZone`. */
export function startOfZonedDay(date: string, timeZone: string): Date {
	const [y, m, d] = date.split('-').map(Number) as [number, number, number];
	const wall = Date.UTC(y, m - 1, d);
	let t = wall;
	// Two passes settle the offset even when the day starts next to a DST change.
	for (let i = 0; i < 2; i++) t = wall - timeZoneOffsetMs(new Date(t), timeZone);
	return new Date(t);
}

/** The calendar day (YYYY-MM-DD) an instant falls on in `timeZone`. */
export function zonedDate(instant: Date, timeZone: string): string {
	const parts = Object.fromEntries(
		partsFormatter(timeZone)
			.formatToParts(instant)
			.map((p) => [p.type, p.value])
	);
	return `${parts.year}-${parts.month}-${parts.day}`;
}

function addDays(date: string, days: number): string {
	const [y, m, d] = date.split('-').map(Number) as [number, number, number];
	return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A wall-clock time without a zone ("2026-11-03T09:30", as a datetime-local input gives it) read in `timeZone`. */
export function zonedDateTime(value: string, timeZone: string): Date | null {
	const m = LOCAL_DATE_TIME.exec(value);
	if (!m) return null;
	const [y, mo, d] = (m[1] as string).split('-').map(Number) as [number, number, number];
	const wall = Date.UTC(y, mo - 1, d, Number(m[2]), Number(m[3]), Number(m[4] ?? 0));
	let t = wall;
	for (let i = 0; i < 2; i++) t = wall - timeZoneOffsetMs(new Date(t), timeZone);
	return new Date(t);
}

/** The inverse, for a datetime-local input: an instant as "YYYY-MM-DDTHH:mm" on the wall clock of `timeZone`. */
export function toZonedLocalInput(value: string, timeZone: string): string {
	if (isDateOnly(value)) return `${value}T00:00`;
	if (LOCAL_DATE_TIME.test(value)) return value.slice(0, 16);
	const date = new Date(value);
	if (Number.isNaN(date.getTime())) return '';
	const parts = Object.fromEntries(
		partsFormatter(timeZone)
			.formatToParts(date)
			.map((p) => [p.type, p.value])
	);
	return `${parts.year}-${parts.month}-${parts.day}T${parts.hour === '24' ? '00' : parts.hour}:${parts.minute}`;
}

function boundOf(value: string, timeZone: string, end: boolean): Date {
	if (isDateOnly(value)) return startOfZonedDay(end ? addDays(value, 1) : value, timeZone);
	return zonedDateTime(value, timeZone) ?? new Date(value);
}

/**
 * A custom range. Bounds are calendar days in the workspace's timezone (the `to` day is included, so
 * the range ends when the next day starts), wall-clock times in that zone ("2026-11-03T09:30", `to`
 * exclusive), or exact ISO instants.
 */
export function customRange(from: string, to: string, timeZone: string): TimeRange | null {
	const start = boundOf(from, timeZone, false);
	const end = boundOf(to, timeZone, true);
	if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) return null;
	return { from: start.toISOString(), to: end.toISOString() };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(key: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	let f = formatters.get(key);
	if (!f) {
		f = new Intl.DateTimeFormat('en-GB', options);
		formatters.set(key, f);
	}
	return f;
}

/** "23 Nov 2026, 10:04:05 CET" — the zone is always printed so a screenshot is unambiguous. */
export function formatDateTime(iso: string | Date, timeZone: string, options: { seconds?: boolean; zone?: boolean } = {}): string {
	const { seconds = true, zone = true } = options;
	const date = typeof iso === 'string' ? new Date(iso) : iso;
	if (Number.isNaN(date.getTime())) return String(iso);
	return formatter(`dt|${timeZone}|${seconds}|${zone}`, {
		timeZone,
		day: 'numeric',
		month: 'short',
		year: 'numeric',
		hour: '2-digit',
		minute: '2-digit',
		second: seconds ? '2-digit' : undefined,
		hourCycle: 'h23',
		timeZoneName: zone ? 'short' : undefined
	}).format(date);
}

/** A chart axis label for a bucket: "10:00" style for hours, "23 Nov" for days. */
export function formatBucket(iso: string, bucket: 'HOUR' | 'DAY', timeZone: string): string {
	const date = new Date(iso);
	if (bucket === 'DAY') {
		return formatter(`day|${timeZone}`, { timeZone, day: 'numeric', month: 'short' }).format(date);
	}
	return formatter(`hour|${timeZone}`, {
		timeZone,
		day: 'numeric',
		month: 'short',
		hour: '2-digit',
		minute: '2-digit',
		hourCycle: 'h23'
	}).format(date);
}

/** "just now", "4 min ago", "3 h ago", "2 d ago" — for freshness at a glance, next to an exact time. */
export function formatAgo(iso: string, now: Date = new Date()): string {
	const diff = now.getTime() - new Date(iso).getTime();
	if (diff < 45_000) return 'just now';
	if (diff < HOUR) return `${Math.round(diff / 60_000)} min ago`;
	if (diff < DAY) return `${Math.round(diff / HOUR)} h ago`;
	return `${Math.round(diff / DAY)} d ago`;
}

export function formatDuration(ms: number | null | undefined): string {
	if (ms == null) return '—';
	if (ms < 1000) return `${ms} ms`;
	return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
