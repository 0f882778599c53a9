/** A request or response body as recorded, pretty-printed when it is JSON. */
export function formatBody(body: string | null | undefined): { text: string; isJson: boolean } | null {
	if (body == null || body === '') return null;
	try {
		return { text: JSON.stringify(JSON.parse(body), null, 2), isJson: true };
	} catch {
		return { text: body, isJson: false };
	}
}

export function formatJson(value: unknown): string {
	return JSON.stringify(value, null, 2);
}

const RATE_LIMIT_HEADER = /^(x-ratelimit-|ratelimit|x-rate-limit-|retry-after$)/i;

export function isRateLimitHeader(name: string): boolean {
	return RATE_LIMIT_HEADER.test(name);
}

export function isRedacted(value: string): boolean {
	return value === '[redacted]';
}

export interface RateLimitLike {
	max?: number | null;
	remaining?: number | null;
	dailyLimit?: number | null;
	dailyRemaining?: number | null;
}

/**
 * How much of the tighter rate-limit window is left, 0..1, or null when the destination sends no
 * limits. The window with the smaller fraction left is the one that will throttle first.
 */
export function rateLimitHeadroom(snapshot: RateLimitLike | null | undefined): { fraction: number; window: 'window' | 'daily' } | null {
	if (!snapshot) return null;
	const candidates: { fraction: number; window: 'window' | 'daily' }[] = [];
	if (snapshot.max && snapshot.remaining != null) candidates.push({ fraction: snapshot.remaining / snapshot.max, window: 'window' });
	if (snapshot.dailyLimit && snapshot.dailyRemaining != null)
		candidates.push({ fraction: snapshot.dailyRemaining / snapshot.dailyLimit, window: 'daily' });
	if (!candidates.length) return null;
	const tightest = candidates.reduce((a, b) => (b.fraction < a.fraction ? b : a));
	return { ...tightest, fraction: Math.min(1, Math.max(0, tightest.fraction)) };
}
