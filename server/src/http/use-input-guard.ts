// Refuses hostile GraphQL input before anything recursive sees it: graphql-js parses, validates and
// coerces recursively, so a 10,000-level selection set or JSON literal would overflow the stack and
// surface as INTERNAL. Three gates, each cheap and iterative:
// 1. before parsing, the document's bracket nesting ({ [ ( outside strings and comments);
// 2. the parser's token budget (graphql-armor's max-tokens);
// 3. before executing, variables and literals: JSON depth, NUL and lone surrogates (which PostgreSQL
//    cannot store), with the same rules as ingest (ingest/json-guard.ts).
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { type DocumentNode, GraphQLError, Kind, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badString, checkJsonValue, MAX_JSON_DEPTH } from '../ingest/json-guard.ts';

/** Bracket nesting allowed in a document: query depth (12) plus a JSON literal (64), with room to spare. */
export const MAX_DOCUMENT_NESTING = 96;
export const MAX_DOCUMENT_TOKENS = 5_000;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/** The deepest bracket nesting in a GraphQL document's text, skipping strings, block strings and comments. */
export function documentNesting(source: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < n && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        i += 3;
        while (i < n && !source.startsWith('"""', i)) i += source[i] === '\\' && source.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (i < n && source[i] !== '"' && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      if (++depth > max) {
        max = depth;
        if (max > stopAbove) return max;
      }
    } else if (c === '}' || c === ']' || c === ')') depth--;
  }
  return max;
}

/** Literal strings and literal object/list nesting in a parsed document (graphql's visit is iterative). */
function checkLiterals(document: DocumentNode): GraphQLError | null {
  let found: GraphQLError | null = null;
  let depth = 0;
  visit(document, {
    StringValue(node) {
      const bad = badString(node.value);
      if (bad) {
        found = badInput(bad.message);
        return false;
      }
      return undefined;
    },
    enter(node) {
      if (found) return false;
      if (node.kind === Kind.OBJECT || node.kind === Kind.LIST) {
        if (++depth > MAX_JSON_DEPTH) {
          found = badInput(`Input values nested deeper than ${MAX_JSON_DEPTH} levels are not accepted`);
          return false;
        }
      }
      return undefined;
    },
    leave(node) {
      if (node.kind === Kind.OBJECT || node.kind === Kind.LIST) depth--;
    },
  });
  return found;
}

function checkArgs(args: { document: DocumentNode; variableValues?: unknown }): GraphQLError | null {
  const literal = checkLiterals(args.document);
  if (literal) return literal;
  if (args.variableValues) {
    // The variables object itself is one level; its values get the full JSON depth.
    const bad = checkJsonValue(args.variableValues, MAX_JSON_DEPTH + 1);
    if (bad) return badInput(`Variables: ${bad.message}`);
  }
  return null;
}

export function useInputGuard(): Plugin[] {
  const nesting: Plugin = {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (documentNesting(source, MAX_DOCUMENT_NESTING) > MAX_DOCUMENT_NESTING)
        throw badInput(`The document is nested deeper than ${MAX_DOCUMENT_NESTING} levels`);
    },
  };
  const values: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      const err = checkArgs(args);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const err = checkArgs(args);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
  };
  return [
    nesting,
    maxTokensPlugin({ n: MAX_DOCUMENT_TOKENS, exposeLimits: true, errorMessage: 'The document has too many tokens' }) as Plugin,
    values,
  ];
}
