// Wires everything on one port: GraphQL (HTTP + WebSocket), ingest and REST endpoints, health,
// metrics, and the console. `buildApp` returns `{ start, stop }`; nothing listens on import.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  type Database,
  ensureDayPartitions,
  loadSecretBox,
  migrate,
  openDatabase,
  registerSecretBox,
  sealStoredSecrets,
} from '@switchboard/db';
import { Authenticator } from './auth.ts';
import type { Config } from './config.ts';
import { createGraphQLServer, type Yoga } from './http/graphql.ts';
import { addHealthRoutes } from './http/health.ts';
import { addRestLogRoutes } from './http/rest-logs.ts';
import { sendError } from './http/respond.ts';
import { addOpenApiRoute } from './http/openapi.ts';
import { Router } from './http/router.ts';
import { createLogger, type Logger, processSecrets } from './logger.ts';
import { createLiveBus } from './live/bus.ts';
import { startTracing, tracedRoute } from './tracing.ts';
import { attachLiveSockets } from './live/ws.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { ingestHandler } from './ingest/ingest-route.ts';
import { publishHandler } from './ingest/publish-route.ts';
import { createPipeline, type Pipeline } from './pipeline-services.ts';
import { createDemo } from './demo/demo.ts';
import type { LiveBus, PipelineServices } from '@switchboard/schema';

export interface App {
  config: Config;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  yoga: Yoga;
  live: LiveBus;
  pipeline: PipelineServices;
  /** The event pipeline's runtime: ingest writer, delivery worker, periodic jobs. */
  runtime: Pipeline;
  router: Router;
  server: Server;
  /** Listens on `port` (default: config.port; 0 picks a free one) and resolves with the base URL. */
  start(port?: number): Promise<string>;
  stop(): Promise<void>;
  url(): string;
}

export interface BuildOptions {
  logger?: Logger;
  /** An already-open database (tests); otherwise opened from the config. */
  db?: Database;
}

export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const secrets = loadSecretBox({ key: config.secretKey, previous: config.previousSecretKeys, dataDir: config.dataDir });
  if (secrets.generated && config.databaseUrl)
    logger.warn(
      { file: secrets.generated },
      'SWITCHBOARD_SECRET_KEY is not set: secrets are sealed with a key kept in the data folder; set it in production',
    );
  const tracing = startTracing(config.tracing);
  const db =
    opts.db ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: path.join(config.dataDir, 'pgdata'),
      poolSize: config.dbPoolSize,
      secrets: secrets.box,
    }));
  if (opts.db) registerSecretBox(db.orm.config, secrets.box);
  try {
    const applied = await migrate(db.orm);
    if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
    // Credentials and signing secrets stored in clear (before sealing existed) or under an older key.
    // Day partitions from yesterday to a week ahead (the jobs keep that window moving).
    await ensureDayPartitions(db.orm.em.fork(), new Date(Date.now() - 86_400_000), new Date(Date.now() + 7 * 86_400_000));
    const sealed = await sealStoredSecrets(db.orm.em.fork());
    if (sealed) logger.info({ integrations: sealed }, 'secrets sealed with the current key');
  } catch (err) {
    if (!opts.db) await db.close();
    throw err;
  }
  if (config.rootKey) processSecrets.add([config.rootKey]);

  const liveBus = createLiveBus(config.redisUrl, logger, metrics);
  const live = liveBus.bus;
  const auth = new Authenticator({
    em: () => db.orm.em.fork(),
    rootKey: config.rootKey,
    ttlMs: config.settingsCacheMs,
    onError: (err) => logger.debug({ err }, 'api key lastUsedAt not recorded'),
  });
  live.listen('apikey:revoked', (m) => auth.forget(m.apiKeyId));
  let baseUrl = '';
  const runtime = createPipeline({ config, db, live, auth, logger, metrics, publicUrl: () => config.publicUrl ?? baseUrl });
  const pipeline = runtime.services;
  const yoga = createGraphQLServer({ config, db, auth, logger, live, pipeline, publicUrl: () => config.publicUrl ?? baseUrl });
  const router = new Router();
  addHealthRoutes(router, db);
  router.add(
    'POST',
    '/ingest/:integrationId',
    tracedRoute('/ingest/:integrationId', ingestHandler(runtime.ingest)),
    '/ingest/:integrationId',
  );
  router.add('POST', '/v1/events', tracedRoute('/v1/events', publishHandler(runtime.ingest)), '/v1/events');
  const demo = config.demo ? createDemo({ config, db, logger, router }) : undefined;
  addRestLogRoutes(router, db, config, auth);
  addOpenApiRoute(router);
  router.add('GET', '/metrics', async (_req, res) => {
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(await metrics.registry.metrics());
  });

  const webHandler = await loadWebHandler(config, logger);

  let preparing = false;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let routeName = 'console';
    try {
      // While the demo seeds its history the database belongs to the generator (on the embedded database
      // a second connection would interleave with it): everything but liveness waits.
      if (preparing && url.pathname !== '/healthz') {
        routeName = 'preparing';
        sendError(res, 503, 'STARTING', 'Switchboard is preparing its demo data; try again in a few seconds', { 'retry-after': '5' });
        return;
      }
      // A worker-only process (SWITCHBOARD_API=0) answers health and metrics, nothing else.
      if (!config.runApi && !WORKER_ONLY_PATHS.has(url.pathname)) {
        routeName = 'api-disabled';
        sendError(res, 404, 'NOT_FOUND', 'This process runs the delivery worker only (SWITCHBOARD_API=0)');
        return;
      }
      if (url.pathname === yoga.graphqlEndpoint || url.pathname.startsWith(`${yoga.graphqlEndpoint}/`)) {
        routeName = '/graphql';
        await yoga.handle(req, res);
        return;
      }
      const match = router.match(req.method ?? 'GET', url.pathname);
      if (match && 'route' in match) {
        routeName = match.route.name;
        await match.route.handler(req, res, match.params, url);
        return;
      }
      if (match && 'malformed' in match) {
        routeName = 'malformed';
        sendError(res, 400, 'MALFORMED_PATH', match.malformed);
        return;
      }
      if (match && 'methodNotAllowed' in match) {
        routeName = 'method-not-allowed';
        sendError(res, 405, 'METHOD_NOT_ALLOWED', `Use ${match.methodNotAllowed.join(' or ')} for ${url.pathname}`, {
          allow: match.methodNotAllowed.join(', '),
        });
        return;
      }
      if (webHandler && !isApiPath(url.pathname)) {
        webHandler(req, res, () => sendError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${url.pathname}`));
        return;
      }
      routeName = 'not-found';
      sendError(res, 404, 'NOT_FOUND', `No route for ${req.method} ${url.pathname}`);
    } catch (err) {
      logger.error({ err, path: url.pathname }, 'request failed');
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'Internal error');
      else res.destroy();
    } finally {
      res.once('finish', () => {
        metrics.httpRequests.inc({ route: routeName, status: String(res.statusCode) });
        metrics.httpDuration.observe({ route: routeName }, (performance.now() - started) / 1000);
      });
    }
  };

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    void handle(req, res);
  });
  const liveSockets = attachLiveSockets({
    server,
    yoga,
    db,
    auth,
    live,
    logger,
    metrics,
    maxBufferedBytes: config.liveMaxBufferBytes,
    stallMs: config.liveStallMs,
  });

  const app: App = {
    config,
    db,
    logger,
    metrics,
    yoga,
    live,
    pipeline,
    runtime,
    router,
    server,
    async start(port = config.port) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      baseUrl = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
      // The console's server-side code calls this server's API unless told otherwise.
      process.env.SWITCHBOARD_API_URL ??= baseUrl;
      // The demo seeds its history before the worker starts, so on the embedded database (one shared
      // session) the generator's bulk writes never run beside the worker's claims.
      preparing = demo !== undefined;
      try {
        await demo?.start(baseUrl);
      } finally {
        preparing = false;
      }
      runtime.start();
      logger.info({ url: baseUrl, database: db.kind }, 'switchboard listening');
      return baseUrl;
    },
    async stop() {
      await liveSockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await demo?.stop();
      await runtime.stop();
      await liveBus.close();
      await yoga.dispose?.();
      if (!opts.db) await db.close();
      await tracing?.shutdown();
    },
    url: () => baseUrl,
  };
  return app;
}

const WORKER_ONLY_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const API_PREFIXES = ['/graphql', '/ingest/', '/v1/', '/healthz', '/readyz', '/metrics'];
function isApiPath(pathname: string): boolean {
  return API_PREFIXES.some((p) => pathname === p || pathname.startsWith(p));
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** The console: the SvelteKit build (adapter-node) through web/mount.js, when it has been built. */
async function loadWebHandler(config: Config, logger: Logger): Promise<NodeHandler | undefined> {
  const dir = config.webDir ?? path.join(import.meta.dirname, '..', '..', 'web');
  if (!existsSync(path.join(dir, 'build', 'handler.js'))) {
    logger.warn({ dir }, 'console not built: run `pnpm --filter @switchboard/web build` to serve it');
    return undefined;
  }
  const mount = (await import(path.join(dir, 'mount.js'))) as { loadConsoleHandler(): Promise<NodeHandler> };
  return mount.loadConsoleHandler();
}
