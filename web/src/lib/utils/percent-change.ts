export type Polarity = 'higher-is-better' | 'lower-is-better';

export interface ChangeDisplay {
	/** What is printed: "▲ 12%", "▼ 3.4%", "0%", or "—" when there is nothing to compare with. */
	text: string;
	direction: 'up' | 'down' | 'flat' | 'none';
	tone: 'good' | 'bad' | 'neutral';
	/** A sentence for assistive technology and tooltips. */
	label: string;
}

const FLAT_BELOW = 0.05;

function magnitude(value: number): string {
	const abs = Math.abs(value);
	const digits = abs < 10 ? 1 : 0;
	return `${abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}%`;
}

/**
 * How a percentage change against the previous period is shown. The API sends null when the
 * previous period had nothing (a change from zero has no percentage), which is not the same as 0%.
 */
export function describeChange(change: number | null | undefined, polarity: Polarity): ChangeDisplay {
	if (change == null || !Number.isFinite(change)) {
		return { text: '—', direction: 'none', tone: 'neutral', label: 'No previous data to compare with' };
	}
	if (Math.abs(change) < FLAT_BELOW) {
		return { text: '0%', direction: 'flat', tone: 'neutral', label: 'No change from the previous period' };
	}
	const up = change > 0;
	const better = up === (polarity === 'higher-is-better');
	const text = `${up ? '▲' : '▼'} ${magnitude(change)}`;
	return {
		text,
		direction: up ? 'up' : 'down',
		tone: better ? 'good' : 'bad',
		label: `${up ? 'Up' : 'Down'} ${magnitude(change)} on the previous period`
	};
}
