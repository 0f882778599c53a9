import { redirect } from '@sveltejs/kit';
import { clearKey } from '#lib/server/session.ts';
import type { Actions, PageServerLoad } from './$types';

export const load = (() => redirect(303, '/')) satisfies PageServerLoad;

export const actions = {
	default: ({ cookies, url }) => {
		clearKey(cookies, url.protocol === 'https:');
		redirect(303, '/sign-in');
	}
} satisfies Actions;
