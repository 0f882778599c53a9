import type { Handle, HandleServerError } from '@sveltejs/kit/hooks';
import { SESSION_COOKIE } from '#lib/server/session.ts';

export const handle: Handle = async ({ event, resolve }) => {
	event.locals.apiKey = event.cookies.get(SESSION_COOKIE) || null;
	const response = await resolve(event);
	response.headers.set('x-frame-options', 'DENY');
	response.headers.set('x-content-type-options', 'nosniff');
	response.headers.set('referrer-policy', 'same-origin');
	return response;
};

/** Errors raised on purpose (`error(...)`) keep their message; anything unexpected is logged and masked. */
export const handleError: HandleServerError = (caught) => {
	if (caught.kind !== 'unknown') return;
	console.error('[switchboard-web]', caught.error);
	return { message: 'The console hit an unexpected error. It has been logged on the server.' };
};
