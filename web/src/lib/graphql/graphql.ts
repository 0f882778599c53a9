import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

/**
 * Typed GraphQL documents. Types come from the schema through `graphql-env.d.ts`, which
 * `pnpm codegen` writes from the schema named in tsconfig.json's gql.tada plugin entry.
 */
export const graphql = initGraphQLTada<{
	introspection: introspection;
	scalars: {
		DateTime: string;
		JSON: unknown;
	};
	// Fragments here group fields for reuse, not for data masking between components.
	disableMasking: true;
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
export { readFragment } from 'gql.tada';
