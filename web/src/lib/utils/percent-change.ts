export type Polarity = 'higher-is-better' | 'lower-is-better';

export interface ChangeDisplay {
	/** What is printed: "▲ 12%", "▼ 3.4%", "0%", "new" (nothing before), or "—" when there is too little to compare with. */
	text: string;
	direction: 'up' | 'down' | 'flat' | 'none';
	tone: 'good' | 'bad' | 'neutral';
	/** A sentence for assistive technology and tooltips. */
	label: string;
}

const FLAT_BELOW = 0.05;

/**
 * Below this many in the previous period a percentage says more about noise than change (one event
 * at the edge of the history made "▲ 3,464,000%"): the console shows "new" or "—" instead, with the
 * raw counts in the tooltip. The API still sends the exact figure (null only when previous is 0).
 */
export const MIN_COMPARABLE = 10;

export interface ChangeCounts {
	current: number;
	previous: number;
}

const n = (v: number) => v.toLocaleString('en-US');

function magnitude(value: number): string {
	const abs = Math.abs(value);
	const digits = abs < 10 ? 1 : 0;
	return `${abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}%`;
}

/**
 * How a percentage change against the previous period is shown. The API sends null when the
 * previous period had nothing (a change from zero has no percentage), which is not the same as 0%.
 */
export function describeChange(change: number | null | undefined, polarity: Polarity, counts?: ChangeCounts): ChangeDisplay {
	const raw = counts ? ` (${n(counts.current)} now, ${n(counts.previous)} in the previous period)` : '';
	if (counts && counts.previous < MIN_COMPARABLE) {
		if (counts.previous === 0 && counts.current > 0) {
			return { text: 'new', direction: 'none', tone: 'neutral', label: `None in the previous period${raw}` };
		}
		if (counts.previous > 0) {
			return { text: '—', direction: 'none', tone: 'neutral', label: `Too few in the previous period to compare${raw}` };
		}
	}
	if (change == null || !Number.isFinite(change)) {
		return { text: '—', direction: 'none', tone: 'neutral', label: `No previous data to compare with${raw}` };
	}
	if (Math.abs(change) < FLAT_BELOW) {
		return { text: '0%', direction: 'flat', tone: 'neutral', label: `No change from the previous period${raw}` };
	}
	const up = change > 0;
	const better = up === (polarity === 'higher-is-better');
	const text = `${up ? '▲' : '▼'} ${magnitude(change)}`;
	return {
		text,
		direction: up ? 'up' : 'down',
		tone: better ? 'good' : 'bad',
		label: `${up ? 'Up' : 'Down'} ${magnitude(change)} on the previous period${raw}`
	};
}
