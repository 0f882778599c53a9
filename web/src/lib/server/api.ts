import { stringifyDocument, type TypedDocumentNode } from '@urql/core';
import { dev } from '$app/env';

/**
 * Where server-side code reaches the API. The console is normally mounted inside the API server,
 * so the default is that server on loopback; SWITCHBOARD_API_URL overrides it (and must be set when
 * the server listens on a port other than $PORT).
 */
export function apiBaseUrl(): string {
	const configured = process.env.SWITCHBOARD_API_URL;
	if (configured) return configured.replace(/\/+$/, '');
	if (dev) return 'http://127.0.0.1:4000';
	return `http://127.0.0.1:${process.env.PORT ?? '4000'}`;
}

const TIMEOUT_MS = 10_000;

export class ApiError extends Error {
	constructor(
		message: string,
		readonly code: string | undefined,
		readonly status: number,
		readonly unreachable = false
	) {
		super(message);
		this.name = 'ApiError';
	}
}

interface GraphQLResponse<Data> {
	data?: Data | null;
	errors?: { message: string; extensions?: { code?: string } }[];
}

/** A GraphQL request from the console's server side, authenticated with the operator's key. */
export async function apiGraphql<Data, Variables extends Record<string, unknown>>(
	key: string,
	document: TypedDocumentNode<Data, Variables>,
	variables?: Variables,
	fetchImpl: typeof fetch = fetch
): Promise<Data> {
	let response: Response;
	try {
		response = await fetchImpl(`${apiBaseUrl()}/graphql`, {
			method: 'POST',
			headers: {
				'content-type': 'application/json',
				accept: 'application/graphql-response+json, application/json',
				authorization: `Bearer ${key}`
			},
			body: JSON.stringify({ query: stringifyDocument(document), variables: variables ?? {} }),
			signal: AbortSignal.timeout(TIMEOUT_MS)
		});
	} catch (cause) {
		throw new ApiError(`The Switchboard API at ${apiBaseUrl()} could not be reached (${(cause as Error).message}).`, undefined, 503, true);
	}
	let body: GraphQLResponse<Data>;
	try {
		body = (await response.json()) as GraphQLResponse<Data>;
	} catch {
		throw new ApiError(`The Switchboard API answered ${response.status} without a GraphQL body.`, undefined, 502);
	}
	const first = body.errors?.[0];
	if (first) {
		const code = first.extensions?.code ?? (response.status === 401 ? 'UNAUTHENTICATED' : undefined);
		throw new ApiError(first.message, code, response.status);
	}
	if (response.status === 401 || response.status === 403) {
		throw new ApiError('The API key was not accepted.', 'UNAUTHENTICATED', response.status);
	}
	if (!body.data) throw new ApiError('The Switchboard API returned no data.', undefined, 502);
	return body.data;
}

/** The demo workspace's admin key when the server runs in demo mode (GET /v1/demo), else null. */
export async function fetchDemoKey(fetchImpl: typeof fetch = fetch): Promise<string | null> {
	try {
		const response = await fetchImpl(`${apiBaseUrl()}/v1/demo`, { signal: AbortSignal.timeout(2000) });
		if (!response.ok) return null;
		const body = (await response.json()) as { adminKey?: unknown };
		return typeof body.adminKey === 'string' && body.adminKey ? body.adminKey : null;
	} catch {
		return null;
	}
}
