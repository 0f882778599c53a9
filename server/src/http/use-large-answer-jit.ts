// Compiled execution (graphql-jit, through @envelop/graphql-jit) for the queries whose answers are long
// lists of small objects: the 30-day hourly trends are 5 series × 720 points, and graphql-js spent
// longer resolving and serializing those 3,600 points field by field than PostgreSQL spent computing
// them. A compiled query resolves each point with straight-line code. Only queries made wholly of the
// fields below are compiled; everything else (mutations, subscriptions, the event log with its
// per-field authorization and error paths) keeps graphql-js's execution, whose behaviour the rest of
// the API's tests pin down.
import { useGraphQlJit } from '@envelop/graphql-jit';
import { type DocumentNode, getOperationAST, type GraphQLSchema, getVariableValues, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Root query fields whose answer is a long list of scalars-only objects. */
export const JIT_ROOT_FIELDS: ReadonlySet<string> = new Set(['trends']);

/**
 * Whether this operation runs compiled: a query whose root selections are all JIT_ROOT_FIELDS (or
 * __typename) and whose variables graphql-js accepts. Bad variables go to graphql-js, which refuses them
 * with a 400 and a message naming the variable's path; the compiled query would answer 200 and name
 * the input field as if it were a variable.
 */
export function runsCompiled(
  document: DocumentNode,
  operationName?: string | null,
  variables?: { schema: GraphQLSchema; values: Record<string, unknown> | null | undefined },
): boolean {
  const op = getOperationAST(document, operationName ?? undefined);
  if (op?.operation !== 'query') return false;
  const fields = op.selectionSet.selections;
  const compilable =
    fields.every((s) => s.kind === Kind.FIELD && (JIT_ROOT_FIELDS.has(s.name.value) || s.name.value === '__typename')) &&
    fields.some((s) => s.kind === Kind.FIELD && JIT_ROOT_FIELDS.has(s.name.value));
  if (!compilable || !variables) return compilable;
  const coerced = getVariableValues(variables.schema, op.variableDefinitions ?? [], variables.values ?? {}, { maxErrors: 1 });
  return coerced.errors === undefined;
}

export function useLargeAnswerJit(): Plugin {
  return useGraphQlJit(
    {},
    {
      enableIf: ({ document, operationName, schema, variableValues }) =>
        runsCompiled(document, operationName, { schema, values: variableValues as Record<string, unknown> | undefined }),
    },
  ) as Plugin;
}
