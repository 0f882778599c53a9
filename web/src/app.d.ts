import type { Session } from '#lib/server/session.ts';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
		}
		interface Locals {
			/** The operator's API key from the session cookie, if any. */
			apiKey: string | null;
		}
		interface PageData {
			session?: Session;
		}
	}
}
