import type { Cookies } from '@sveltejs/kit';
import type { ApiScope } from '#lib/graphql/enums.ts';
import { SessionQuery } from '#lib/graphql/session.ts';
import { apiGraphql } from './api.ts';

export const SESSION_COOKIE = 'sb_key';
const THIRTY_DAYS = 60 * 60 * 24 * 30;

export interface Session {
	workspace: { id: string; name: string; timezone: string };
	/** null when signed in with the root key, which has every scope. */
	key: { name: string; prefix: string; scopes: ApiScope[] } | null;
	scopes: ApiScope[];
	isAdmin: boolean;
}

/** Asks the API who a key belongs to; throws ApiError (code UNAUTHENTICATED for a bad key). */
export async function loadSession(key: string, fetchImpl?: typeof fetch): Promise<Session> {
	const data = await apiGraphql(key, SessionQuery, {}, fetchImpl);
	const apiKey = data.currentApiKey ?? null;
	const scopes: ApiScope[] = apiKey ? [...apiKey.scopes] : ['READ', 'INGEST', 'ADMIN'];
	return {
		workspace: { id: data.viewer.id, name: data.viewer.name, timezone: data.viewer.timezone || 'UTC' },
		key: apiKey ? { name: apiKey.name, prefix: apiKey.prefix, scopes: [...apiKey.scopes] } : null,
		scopes,
		isAdmin: scopes.includes('ADMIN')
	};
}

/** The key lives only in an httpOnly cookie: page scripts never see it, other sites never send it. */
export function storeKey(cookies: Cookies, key: string, secure: boolean): void {
	cookies.set(SESSION_COOKIE, key, {
		path: '/',
		httpOnly: true,
		sameSite: 'strict',
		secure,
		maxAge: THIRTY_DAYS
	});
}

export function clearKey(cookies: Cookies, secure: boolean): void {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure });
}

/** Only same-site paths: a sign-in link must not be able to send the operator elsewhere. */
export function safeRedirectTarget(value: string | null | undefined): string {
	if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
	if (value.startsWith('/sign-in') || value.startsWith('/sign-out')) return '/';
	return value;
}
