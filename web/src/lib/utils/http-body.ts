/**
 * A request or response body as recorded, pretty-printed when it is JSON. A body the destination sent
 * as bytes that are not text is stored base64-encoded (`encoding` BASE64): it is shown as a hex dump
 * of its first bytes, and said to be binary.
 */
export function formatBody(
	body: string | null | undefined,
	encoding: 'TEXT' | 'BASE64' | null | undefined = 'TEXT'
): { text: string; isJson: boolean; binaryBytes?: number } | null {
	if (body == null || body === '') return null;
	if (encoding === 'BASE64') {
		const bytes = base64Bytes(body);
		return { text: hexDump(bytes.subarray(0, 512)) + (bytes.length > 512 ? '\n…' : ''), isJson: false, binaryBytes: bytes.length };
	}
	try {
		return { text: JSON.stringify(JSON.parse(body), null, 2), isJson: true };
	} catch {
		return { text: body, isJson: false };
	}
}

function base64Bytes(b64: string): Uint8Array {
	try {
		const raw = atob(b64);
		return Uint8Array.from(raw, (c) => c.charCodeAt(0));
	} catch {
		return new Uint8Array();
	}
}

/** Sixteen bytes a line: offset, hex, and the printable ASCII beside it. */
export function hexDump(bytes: Uint8Array): string {
	const lines: string[] = [];
	for (let i = 0; i < bytes.length; i += 16) {
		const row = bytes.subarray(i, i + 16);
		const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
		const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
		lines.push(`${i.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
	}
	return lines.join('\n');
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
