import { error, redirect } from '@sveltejs/kit';
import { ApiError } from '#lib/server/api.ts';
import { clearKey, loadSession } from '#lib/server/session.ts';
import type { LayoutServerLoad } from './$types';

export const load = (async ({ locals, cookies, url }) => {
	const back = encodeURIComponent(url.pathname + url.search);
	if (!locals.apiKey) redirect(303, `/sign-in?redirectTo=${back}`);
	try {
		return { session: await loadSession(locals.apiKey) };
	} catch (cause) {
		if (cause instanceof ApiError && cause.code === 'UNAUTHENTICATED') {
			clearKey(cookies, url.protocol === 'https:');
			redirect(303, `/sign-in?expired=1&redirectTo=${back}`);
		}
		const message = cause instanceof Error ? cause.message : 'The Switchboard API could not be reached.';
		error(cause instanceof ApiError && cause.unreachable ? 503 : 502, message);
	}
}) satisfies LayoutServerLoad;
