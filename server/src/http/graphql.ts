// GraphQL over HTTP with Yoga; the WebSocket side (graphql-ws) shares this Yoga instance.
import type { Database } from '@switchboard/db';
import { AppError, RateLimitedError, UnauthenticatedError } from '@switchboard/db';
import { buildSchema, type GraphQLContext, type LiveBus, type PipelineServices, toClientError, type Viewer } from '@switchboard/schema';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { graphqlTracing } from '../tracing.ts';
import { type Authenticator, CSRF_HEADER, presentedKey } from '../auth.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { rateLimiterFor, rateLimitKey } from '../rate-limit.ts';
import { useInputGuard } from './use-input-guard.ts';
import { useLargeAnswerJit } from './use-large-answer-jit.ts';

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export interface GraphQLDeps {
  config: Config;
  db: Database;
  auth: Authenticator;
  logger: Logger;
  live: LiveBus;
  pipeline: PipelineServices;
  publicUrl: () => string;
}

const HTTP_STATUS_OF: Record<string, number> = { UNAUTHENTICATED: 401, RATE_LIMITED: 429 };

/** A refusal raised before execution (bad key, over the rate) as a GraphQL error with a fitting HTTP status. */
function requestError(err: AppError) {
  const client = toClientError(err);
  const headers: Record<string, string> = {};
  if (err instanceof RateLimitedError) headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
  client.extensions.http = { status: HTTP_STATUS_OF[err.code] ?? err.httpStatus, headers };
  return client;
}

export function createGraphQLServer({ config, db, auth, logger, live, pipeline, publicUrl }: GraphQLDeps): Yoga {
  const limiter = rateLimiterFor(config);
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: config.development,
    landingPage: false,
    logging: false,
    plugins: [...useInputGuard(), graphqlTracing(), useLargeAnswerJit()],
    maskedErrors: {
      maskError: (error, message) => {
        const client = toClientError(error, message);
        if (client.extensions.code === 'INTERNAL') logger.error({ err: error }, 'unexpected GraphQL error');
        return client;
      },
    },
    context: async (initial): Promise<GraphQLContext> => {
      const em = db.orm.em.fork();
      // graphql-ws authenticated the socket on connect (server/src/live/ws.ts); reuse that viewer.
      const wsViewer = (initial as { wsViewer?: Viewer | null }).wsViewer;
      if (wsViewer !== undefined) return { em, viewer: wsViewer, live, pipeline, publicUrl: publicUrl() };
      const { request } = initial;
      const presented = presentedKey(request.headers);
      try {
        if (presented?.via === 'cookie' && request.method === 'POST' && !request.headers.get(CSRF_HEADER)) {
          throw new UnauthenticatedError(`Cookie-authenticated requests must send the ${CSRF_HEADER} header`);
        }
        const viewer = await auth.resolve(presented);
        if (viewer && limiter) limiter.take(rateLimitKey(viewer));
        return { em, viewer, live, pipeline, publicUrl: publicUrl() };
      } catch (err) {
        if (err instanceof AppError) throw requestError(err);
        throw err;
      }
    },
  });
}
