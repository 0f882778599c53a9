import { toastManager } from '#lib/managers/toast.svelte.ts';
import { describeError } from './errors.ts';

/**
 * Every error the console catches goes through here: it is logged once and shown to the operator
 * with the server's message. Returns the message so a caller can also show it inline.
 */
export function handleError(error: unknown, context: string): string {
	const described = describeError(error);
	console.error(`[switchboard] ${context}:`, error);
	toastManager.push({ tone: 'error', title: context, body: described.message });
	return described.message;
}
