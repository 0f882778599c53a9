/**
 * How the API server mounts the built console on its own port:
 *
 *   import { loadConsoleHandler } from '@switchboard/web/mount';
 *   const consoleHandler = await loadConsoleHandler();   // after `pnpm --filter @switchboard/web build`
 *   // for every request that is not /graphql, /ingest/*, /v1/*, /healthz, /readyz, /metrics:
 *   consoleHandler(req, res, () => { res.statusCode = 404; res.end(); });
 *
 * It wraps SvelteKit's `build/handler.js` (adapter-node, a Node `http` handler). adapter-node
 * assumes https unless told the protocol, which would make the sign-in form's origin check fail
 * and mark the session cookie Secure on plain http; so the protocol comes from
 * `x-forwarded-proto` when a proxy in front sets it, else from the socket.
 *
 * The console's server-side code calls the API at SWITCHBOARD_API_URL (default
 * http://127.0.0.1:$PORT): set it when the server listens elsewhere (e.g. on port 0 in tests).
 */

/**
 * @param {{ apiUrl?: string }} [options]
 * @returns {Promise<(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, next?: () => void) => void>}
 */
export async function loadConsoleHandler(options = {}) {
	if (options.apiUrl) process.env.SWITCHBOARD_API_URL = options.apiUrl;
	// adapter-node reads its environment when handler.js is first imported.
	process.env.PROTOCOL_HEADER ||= 'x-forwarded-proto';
	const header = process.env.PROTOCOL_HEADER.toLowerCase();
	const { handler } = await import('./build/handler.js');
	return (req, res, next) => {
		if (!req.headers[header]) {
			req.headers[header] = /** @type {import('node:tls').TLSSocket} */ (req.socket).encrypted ? 'https' : 'http';
		}
		handler(req, res, next);
	};
}
