import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/**
 * Whether the browser holds a session cookie. A SameSite=Strict cookie is not sent when the operator
 * arrives from another site (a link in chat or email), so the sign-in page asks again same-origin
 * and, if the cookie is there after all, goes straight on to the page that was asked for.
 */
export const GET: RequestHandler = ({ locals }) => json({ signedIn: Boolean(locals.apiKey) }, { headers: { 'cache-control': 'no-store' } });
