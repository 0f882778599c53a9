import { createBrowserClient } from '#lib/graphql/client.ts';

/**
 * The console's own urql client pointed at a test server, acting as a browser that holds the
 * `sb_key` session cookie (which a real browser adds to same-origin requests by itself).
 */
export function browserClientFor(origin: string, key: string) {
	const withCookie: typeof fetch = (input, init) => {
		const headers = new Headers(init?.headers);
		headers.set('cookie', `sb_key=${encodeURIComponent(key)}`);
		return fetch(input, { ...init, headers });
	};
	return createBrowserClient({ origin, fetch: withCookie });
}
