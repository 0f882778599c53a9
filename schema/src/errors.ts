// One place decides what a client sees of an error: AppErrors keep their message and carry
// `extensions.code`; anything else is masked as INTERNAL.
import { AppError } from '@switchboard/db';
import { GraphQLError } from 'graphql';

// GraphQL errors are recognised by shape, not `instanceof`: graphql ships CJS and ESM builds, and a
// runner that loads both (vitest externalising Yoga, for one) would otherwise see two GraphQLError classes.
interface GraphQLErrorLike extends Error {
  originalError?: unknown;
  nodes?: GraphQLError['nodes'];
  path?: GraphQLError['path'];
  extensions?: Record<string, unknown>;
}

function isGraphQLErrorLike(e: unknown): e is GraphQLErrorLike {
  return e instanceof GraphQLError || (e instanceof Error && e.name === 'GraphQLError');
}

function originalOf(error: unknown): unknown {
  let e = error;
  while (isGraphQLErrorLike(e) && e.originalError) e = e.originalError;
  return e;
}

export function toClientError(error: unknown, maskedMessage = 'Unexpected error'): GraphQLError {
  const original = originalOf(error);
  const gqlError = isGraphQLErrorLike(error) ? error : undefined;
  if (original instanceof AppError) {
    return new GraphQLError(original.message, {
      nodes: gqlError?.nodes,
      path: gqlError?.path,
      extensions: { code: original.code, ...(original.details ?? {}) },
    });
  }
  // Errors GraphQL itself raised (parse, validation, variables) are about the request: keep them. A
  // variable's coercion error wraps the type's own GraphQLError ("Value "X" does not exist in "Enum"
  // enum"), so a chain that ends in a GraphQLError counts too; only a chain ending in something else
  // (a bug, a driver error) is masked.
  if (gqlError && (!gqlError.originalError || isGraphQLErrorLike(original))) {
    const code = (gqlError.extensions?.code as string | undefined) ?? 'BAD_USER_INPUT';
    return new GraphQLError(gqlError.message, { nodes: gqlError.nodes, path: gqlError.path, extensions: { ...gqlError.extensions, code } });
  }
  return new GraphQLError(maskedMessage, { nodes: gqlError?.nodes, path: gqlError?.path, extensions: { code: 'INTERNAL' } });
}
