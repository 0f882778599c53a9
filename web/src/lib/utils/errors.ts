import { CombinedError } from '@urql/core';

/** The `extensions.code` values the API sends (api-contract.graphql). */
export type ApiErrorCode =
	| 'UNAUTHENTICATED'
	| 'FORBIDDEN'
	| 'NOT_FOUND'
	| 'BAD_USER_INPUT'
	| 'INVALID_TRANSITION'
	| 'RATE_LIMITED'
	| 'INTERNAL';

export interface DescribedError {
	message: string;
	code?: ApiErrorCode | string;
	network: boolean;
}

const NETWORK_MESSAGE = 'Could not reach the Switchboard API. Check that the server is running, then try again.';

/** One description of any error, keeping the server's own message where it sent one. */
export function describeError(error: unknown): DescribedError {
	if (error instanceof CombinedError) {
		const first = error.graphQLErrors[0];
		if (first) {
			const messages = [...new Set(error.graphQLErrors.map((e) => e.message))];
			const code = first.extensions?.code;
			return { message: messages.join(' '), code: typeof code === 'string' ? code : undefined, network: false };
		}
		const status = (error.response as Response | undefined)?.status;
		if (status === 401 || status === 403) {
			return { message: 'Your session has ended. Sign in again.', code: 'UNAUTHENTICATED', network: false };
		}
		return { message: NETWORK_MESSAGE, network: true };
	}
	if (error instanceof Error) return { message: error.message, network: false };
	if (typeof error === 'string') return { message: error, network: false };
	return { message: 'Something went wrong.', network: false };
}

export function errorCodeOf(error: unknown): string | undefined {
	return describeError(error).code;
}
