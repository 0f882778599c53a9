// graphql-ws on the same port and path as GraphQL over HTTP, through Yoga's envelop so subscriptions
// share the schema, context, auth and error masking of queries.
import type { IncomingMessage, Server } from 'node:http';
import { type Database, UnauthenticatedError } from '@switchboard/db';
import { toClientError, type Viewer } from '@switchboard/schema';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Authenticator, cookieValue, type PresentedKey, SESSION_COOKIE } from '../auth.ts';
import type { Yoga } from '../http/graphql.ts';
import type { Logger } from '../logger.ts';
import { Broadcaster } from './broadcast.ts';
import type { ServerLiveBus } from './bus.ts';
import type { Metrics } from '../metrics.ts';

export interface LiveSocketsOptions {
  server: Server;
  yoga: Yoga;
  db: Database;
  auth: Authenticator;
  live: ServerLiveBus;
  logger: Logger;
  metrics: Metrics;
  /** Bytes queued for one socket before it counts as a consumer that stopped reading. */
  maxBufferedBytes?: number;
  keepAliveMs?: number;
  /** A socket whose queued bytes have not drained for this long has stopped reading. */
  stallMs?: number;
  revocationCheckMs?: number;
  /** Results waiting for one subscription before its consumer counts as one that stopped reading. */
  maxQueuedMessages?: number;
}

interface SocketState {
  viewer: Viewer | null;
  alive: boolean;
  stalledSince: number | null;
  subscriptions: Map<string, string>;
}

type Extra = { socket: WebSocket; request: IncomingMessage };

/** The key a WebSocket presents: connectionParams.authorization (the contract), else the console's same-origin cookie. */
function wsKey(params: Record<string, unknown> | undefined, request: IncomingMessage): PresentedKey | undefined {
  const auth = params?.authorization ?? params?.Authorization;
  if (typeof auth === 'string' && auth.trim()) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return { key: m ? (m[1] as string).trim() : auth.trim(), via: 'header' };
  }
  const origin = request.headers.origin;
  const host = request.headers.host;
  const sameOrigin = origin && host && URL.parse(origin)?.host === host;
  if (!sameOrigin) return undefined;
  const key = cookieValue(request.headers.cookie, SESSION_COOKIE);
  return key ? { key, via: 'cookie' } : undefined;
}

export function attachLiveSockets(opts: LiveSocketsOptions): { close(): Promise<void>; sockets(): number } {
  const { server, yoga, db, auth, live, logger, metrics } = opts;
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;
  const broadcaster = new Broadcaster({
    maxQueued: opts.maxQueuedMessages ?? 1000,
    onGroups: (n) => metrics.liveOperations.set(n),
  });
  const wss = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: 256 * 1024 });
  const state = new Map<WebSocket, SocketState>();
  const stateOf = (socket: WebSocket): SocketState => {
    let s = state.get(socket);
    if (!s) {
      s = { viewer: null, alive: true, stalledSince: null, subscriptions: new Map() };
      state.set(socket, s);
    }
    return s;
  };

  wss.on('connection', (socket) => {
    stateOf(socket);
    metrics.wsSockets.inc();
    socket.on('pong', () => {
      stateOf(socket).alive = true;
    });
    socket.on('close', () => {
      const s = state.get(socket);
      for (const field of s?.subscriptions.values() ?? []) metrics.wsSubscriptions.dec({ field });
      state.delete(socket);
      metrics.wsSockets.dec();
    });
  });

  const disposable = useServer<Record<string, unknown>, Extra>(
    {
      connectionInitWaitTimeout: 10_000,
      onConnect: async (ctx) => {
        const presented = wsKey(ctx.connectionParams, ctx.extra.request);
        try {
          const viewer = await auth.resolve(presented);
          if (viewer?.kind !== 'key') return false;
          if (!viewer.scopes.includes('READ') && !viewer.scopes.includes('ADMIN')) return false;
          stateOf(ctx.extra.socket).viewer = viewer;
          return true;
        } catch (err) {
          if (err instanceof UnauthenticatedError) return false; // graphql-ws closes with 4403 Forbidden
          throw err;
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const viewer = stateOf(ctx.extra.socket).viewer;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          wsViewer: viewer,
        });
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document: parse(payload.query),
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: {
            execute,
            subscribe,
            freshContext: contextFactory,
            mask: (result: ExecutionResult) => maskResult(result, logger),
            overflow: () => drop(ctx.extra.socket, 'queue full'),
            // Subscribers running the same operation in the same workspace with the same scopes get the
            // same result for the same change: it is executed once and shared.
            shareKey:
              viewer?.kind === 'key'
                ? `${viewer.workspaceId}|${[...viewer.scopes].sort().join(',')}|${payload.operationName ?? ''}|${payload.query}|${JSON.stringify(payload.variables ?? {})}`
                : null,
          },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        const field = firstField(args);
        const s = stateOf(ctx.extra.socket);
        s.subscriptions.set(id, field);
        metrics.wsSubscriptions.inc({ field });
        return args;
      },
      onComplete: (ctx, id) => {
        const s = stateOf(ctx.extra.socket);
        const field = s.subscriptions.get(id);
        if (field) {
          s.subscriptions.delete(id);
          metrics.wsSubscriptions.dec({ field });
        }
      },
      onNext: (ctx) => {
        metrics.liveMessagesDelivered.inc();
        if (ctx.extra.socket.bufferedAmount > maxBuffered) drop(ctx.extra.socket, 'buffer full');
      },
      execute: (args: ExecutionArgs) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args: ExecutionArgs) => broadcaster.subscribe(args) as never,
    },
    wss,
  );

  // A consumer that stops reading makes graphql-ws wait on its socket while changes queue up behind
  // it in this process. Bytes that stay unsent past the stall limit (or exceed the buffer limit) drop it.
  const stallMs = opts.stallMs ?? 10_000;
  function drop(socket: WebSocket, why: string): void {
    if (socket.readyState !== socket.OPEN) return;
    metrics.liveDroppedConsumers.inc();
    logger.warn({ buffered: socket.bufferedAmount, why }, 'dropping a live consumer that stopped reading');
    socket.terminate();
  }
  const stallCheck = setInterval(
    () => {
      const now = Date.now();
      for (const socket of wss.clients) {
        const s = stateOf(socket);
        if (socket.bufferedAmount === 0) s.stalledSince = null;
        else if (s.stalledSince === null) s.stalledSince = now;
        else if (now - s.stalledSince > stallMs) drop(socket, 'stalled');
      }
    },
    Math.min(1000, Math.max(100, stallMs / 4)),
  );
  stallCheck.unref();

  // Keep-alive: a socket that does not answer a ping before the next one is dead; reap it.
  const keepAlive = setInterval(() => {
    for (const socket of wss.clients) {
      const s = stateOf(socket);
      if (!s.alive) {
        socket.terminate();
        continue;
      }
      s.alive = false;
      socket.ping();
    }
  }, opts.keepAliveMs ?? 15_000);
  keepAlive.unref();

  // A revoked key's open sockets close as soon as the revocation reaches this replica over the bus; a
  // sweep every few seconds also catches revocations whose message was lost (Redis down) and deleted keys.
  const closeSocketsOfKeys = (revoked: (apiKeyId: string) => boolean) => {
    for (const [socket, s] of state) {
      if (s.viewer?.kind === 'key' && revoked(s.viewer.apiKeyId)) socket.close(CloseCode.Forbidden, 'API key revoked');
    }
  };
  const unlistenRevoked = live.listen('apikey:revoked', (m) => closeSocketsOfKeys((id) => id === m.apiKeyId));
  const revocation = setInterval(() => {
    void closeRevoked().catch((err: unknown) => logger.warn({ err }, 'revocation sweep failed'));
  }, opts.revocationCheckMs ?? 2_000);
  revocation.unref();
  async function closeRevoked(): Promise<void> {
    const keyIds = new Set<string>();
    for (const s of state.values()) if (s.viewer?.kind === 'key') keyIds.add(s.viewer.apiKeyId);
    if (keyIds.size === 0) return;
    const rows = await db.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>('select id from api_key where id in (?) and revoked_at is null', [[...keyIds]]);
    const active = new Set(rows.map((r) => r.id));
    closeSocketsOfKeys((id) => !active.has(id));
  }

  return {
    sockets: () => wss.clients.size,
    async close() {
      clearInterval(keepAlive);
      clearInterval(stallCheck);
      clearInterval(revocation);
      unlistenRevoked();
      for (const socket of wss.clients) socket.close(1001, 'server shutting down');
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function firstField(args: ExecutionArgs): string {
  for (const def of args.document.definitions) {
    if (def.kind === 'OperationDefinition') {
      const sel = def.selectionSet.selections[0];
      if (sel?.kind === 'Field') return sel.name.value;
    }
  }
  return 'unknown';
}

/** Client-made errors keep their message and code; anything unexpected is masked and logged. */
function maskResult(result: ExecutionResult, logger: Logger): ExecutionResult {
  if (!result.errors?.length) return result;
  return {
    ...result,
    errors: result.errors.map((error) => {
      const client = toClientError(error);
      if (client.extensions.code === 'INTERNAL') logger.error({ err: error }, 'unexpected error in a subscription');
      return client;
    }),
  };
}
