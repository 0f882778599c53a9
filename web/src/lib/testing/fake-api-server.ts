/**
 * Runs the fake API (HTTP + graphql-ws on /graphql, /v1/demo) for working on the console without
 * the real server: `pnpm --filter @switchboard/web fake-api`, then `pnpm --filter @switchboard/web dev`.
 * With `--console` it also mounts the built console (`build/handler.js`) on the same port, the way
 * the real server does. It simulates traffic so live updates can be seen. Not used by the console.
 */
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { FakeEvent } from './fake-data.ts';
import { type NodeHandler, startFakeApi } from './fake-api.ts';

const port = Number(process.env.FAKE_API_PORT ?? 4000);
// The console's server-side code calls the API at SWITCHBOARD_API_URL; here that is this process.
process.env.SWITCHBOARD_API_URL ??= `http://127.0.0.1:${port}`;
const consoleHandler: NodeHandler | undefined = process.argv.includes('--console')
	? await (await import('../../../mount.js')).loadConsoleHandler()
	: undefined;
const { url, api, server } = await startFakeApi({ port, demo: true, console: consoleHandler });

const wss = new WebSocketServer({ server, path: '/graphql' });
useServer(
	{
		schema: api.schema,
		context: (ctx) => {
			const context = api.contextFor(ctx.extra.request.headers);
			return context ?? undefined;
		},
		onConnect: (ctx) => {
			const headers = { ...ctx.extra.request.headers } as Record<string, string | undefined>;
			const auth = (ctx.connectionParams?.authorization as string | undefined) ?? undefined;
			if (auth) headers.authorization = auth;
			if (!api.contextFor(headers)) ctx.extra.socket.close(4403, 'Forbidden');
			return true;
		}
	},
	wss
);

let n = 0;
const tick = setInterval(
	() => {
		const integration = api.data.integrations[n % api.data.integrations.length];
		if (!integration) return;
		n++;
		const now = new Date().toISOString();
		const failed = n % 3 === 0;
		const event: FakeEvent = {
			id: `evt_live_${n}`,
			integrationId: integration.id,
			eventType: 'contact.created',
			status: failed ? 'FAILED' : 'DELIVERED',
			source: 'SYSTEM',
			sourceRecordId: `rec_live_${n}`,
			destinationRecordId: failed ? null : `dst_live_${n}`,
			idempotencyKey: `idem_live_${n}`,
			traceId: `trace-live-${n}`,
			receivedAt: now,
			updatedAt: now,
			deliveredAt: failed ? null : now,
			attemptCount: 1,
			nextAttemptAt: null,
			errorCode: failed ? '503' : null,
			errorMessage: failed ? 'Destination answered 503' : null,
			payload: { contact: { email: `live${n}@example.com` } }
		};
		api.recordEvent(event);
	},
	Number(process.env.FAKE_API_TICK_MS ?? 8000)
);

console.log(`fake Switchboard API on ${url} (schema: ${api.schemaSource})`);
console.log(`admin key: ${api.data.keys[0]?.key}  read key: ${api.data.keys[1]?.key}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		clearInterval(tick);
		wss.close();
		server.close(() => process.exit(0));
	});
}
