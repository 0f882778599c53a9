// Small helpers shared by the API tests: a recording GraphQL client and error-code assertions.
import type { TestServer } from './server.ts';

/** Response data in tests: loosely typed on purpose (the assertions are the types). */
// biome-ignore lint/suspicious/noExplicitAny: test responses are checked by assertions, not types
export type Json = any;

export interface GqlResult<T = Json> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } & Record<string, unknown> }>;
}

/** Wraps `s.gql`, keeping the text of every response (for "no secret ever leaks" checks). */
export function recordingClient(s: TestServer) {
  const responses: { query: string; text: string }[] = [];
  const gql = async <T = Json>(key: string | null, query: string, variables?: Record<string, unknown>): Promise<GqlResult<T>> => {
    const r = (await s.gql(key, query, variables)) as GqlResult<T>;
    responses.push({ query, text: JSON.stringify(r) });
    return r;
  };
  return { gql, responses };
}

export function codeOf(r: GqlResult): string | undefined {
  return r.errors?.[0]?.extensions?.code;
}
