import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/workspace.ts';
import './types/api-key.ts';
import './types/integration.ts';
import './types/integration-health.ts';
import './types/integration-lifecycle.ts';
import './types/delivery-attempt.ts';
import './types/event.ts';
import './types/event-replay.ts';
import './types/dashboard.ts';
import './types/failure-group.ts';
import './types/error-catalog.ts';
import './types/node.ts';
import './types/subscriptions.ts';
import './types/incident.ts';

export type * from './context.ts';
export { toClientError } from './errors.ts';

let schema: GraphQLSchema | undefined;

/** The executable schema (built once). */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema({ sortSchema: false });
  return schema;
}

/** The SDL checked in as schema/schema.graphql. */
export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}
