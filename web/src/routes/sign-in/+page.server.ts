import { fail, redirect } from '@sveltejs/kit';
import { ApiError, fetchDemoKey } from '#lib/server/api.ts';
import { loadSession, safeRedirectTarget, storeKey } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (async ({ locals, url }) => {
	const redirectTo = safeRedirectTarget(url.searchParams.get('redirectTo'));
	if (locals.apiKey && !url.searchParams.has('expired')) redirect(303, redirectTo);
	return {
		redirectTo,
		expired: url.searchParams.has('expired'),
		demoKey: await fetchDemoKey()
	};
}) satisfies PageServerLoad;

export const actions = {
	default: async ({ request, cookies, url }) => {
		const form = await request.formData();
		const key = String(form.get('key') ?? '').trim();
		const redirectTo = safeRedirectTarget(String(form.get('redirectTo') ?? ''));
		if (!key) return fail(400, { message: 'Enter an API key.' });
		try {
			await loadSession(key);
		} catch (error) {
			if (error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')) {
				return fail(401, { message: 'That API key was not accepted. Check that it is complete and has not been revoked.' });
			}
			const message = error instanceof Error ? error.message : 'The API could not be asked about this key.';
			return fail(502, { message });
		}
		storeKey(cookies, key, url.protocol === 'https:');
		redirect(303, redirectTo);
	}
} satisfies Actions;
