import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { getContext, setContext } from 'svelte';

/** The API requires this header on cookie-authenticated mutations (a cross-site form cannot send it). */
export const CSRF_HEADER = 'x-switchboard-csrf';

/** Close code the API uses for a missing or rejected key on the socket. */
export const WS_FORBIDDEN = 4403;

export type LiveConnectionStatus = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'forbidden';

export interface BrowserClientOptions {
	/** Defaults to the page's own origin: the console is served by the API server. */
	origin?: string;
	onStatus?: (status: LiveConnectionStatus) => void;
	/** Replaces the global fetch (tests use it to act as a browser holding the session cookie). */
	fetch?: typeof fetch;
}

function socketUrl(origin: string): string {
	const url = new URL('/graphql', origin);
	url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
	return url.toString();
}

function closeCode(event: unknown): number | undefined {
	return typeof event === 'object' && event !== null && 'code' in event ? Number(event.code) : undefined;
}

/**
 * The console's GraphQL client. It holds no key: the browser sends the httpOnly session cookie with
 * same-origin requests and with the WebSocket upgrade, and the API authenticates that.
 */
export function createBrowserClient(options: BrowserClientOptions = {}): Client {
	const origin = () => options.origin ?? window.location.origin;
	let forbidden = false;
	const ws: WsClient = createWsClient({
		url: () => socketUrl(origin()),
		lazy: true,
		lazyCloseTimeout: 3000,
		retryAttempts: Number.POSITIVE_INFINITY,
		shouldRetry: (event) => closeCode(event) !== WS_FORBIDDEN,
		on: {
			connecting: (isRetry) => options.onStatus?.(isRetry ? 'reconnecting' : 'connecting'),
			connected: () => {
				forbidden = false;
				options.onStatus?.('live');
			},
			closed: (event) => {
				if (closeCode(event) === WS_FORBIDDEN) forbidden = true;
				options.onStatus?.(forbidden ? 'forbidden' : 'reconnecting');
			}
		}
	});

	return new Client({
		url: `${options.origin ?? ''}/graphql`,
		preferGetMethod: false,
		fetch: options.fetch,
		requestPolicy: 'cache-and-network',
		fetchOptions: () => ({ credentials: 'same-origin', headers: { [CSRF_HEADER]: '1' } }),
		exchanges: [
			cacheExchange,
			fetchExchange,
			subscriptionExchange({
				forwardSubscription(request) {
					const input = { ...request, query: request.query ?? '' };
					return {
						subscribe(sink) {
							const unsubscribe = ws.subscribe(input, sink);
							return { unsubscribe };
						}
					};
				}
			})
		]
	});
}

const CLIENT = Symbol('switchboard.urql');

export function setClient(client: Client): void {
	setContext(CLIENT, client);
}

export function getClient(): Client {
	const client = getContext<Client | undefined>(CLIENT);
	if (!client) throw new Error('No GraphQL client in context: call setClient() in a parent component.');
	return client;
}

export const CLIENT_CONTEXT_KEY = CLIENT;
