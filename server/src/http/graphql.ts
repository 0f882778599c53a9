// GraphQL over HTTP with Yoga; the WebSocket side (graphql-ws) shares this Yoga instance.
import type { Database } from '@switchboard/db';
import { AppError, UnauthenticatedError } from '@switchboard/db';
import { buildSchema, type GraphQLContext, type LiveBus, type PipelineServices, toClientError } from '@switchboard/schema';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { CSRF_HEADER, presentedKey, resolveViewer } from '../auth.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';

export type Yoga = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export interface GraphQLDeps {
  config: Config;
  db: Database;
  logger: Logger;
  live: LiveBus;
  pipeline: PipelineServices;
  publicUrl: () => string;
}

export function createGraphQLServer({ config, db, logger, live, pipeline, publicUrl }: GraphQLDeps): Yoga {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: config.development,
    landingPage: false,
    logging: false,
    maskedErrors: {
      maskError: (error, message) => {
        const client = toClientError(error, message);
        if (client.extensions.code === 'INTERNAL') logger.error({ err: error }, 'unexpected GraphQL error');
        return client;
      },
    },
    context: async ({ request }): Promise<GraphQLContext> => {
      const em = db.orm.em.fork();
      const presented = presentedKey(request.headers);
      if (presented?.via === 'cookie' && request.method === 'POST' && !request.headers.get(CSRF_HEADER)) {
        throw new UnauthenticatedError(`Cookie-authenticated requests must send the ${CSRF_HEADER} header`);
      }
      try {
        return { em, viewer: await resolveViewer(em, presented, config.rootKey), live, pipeline, publicUrl: publicUrl() };
      } catch (err) {
        if (err instanceof AppError) throw toClientError(err);
        throw err;
      }
    },
  });
}
