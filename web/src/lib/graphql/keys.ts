import { graphql } from './graphql.ts';

export const ApiKeyFields = graphql(`
	fragment ApiKeyFields on ApiKey {
		id
		name
		prefix
		scopes
		createdAt
		lastUsedAt
		revokedAt
	}
`);

export const ApiKeysQuery = graphql(
	`
		query ApiKeys {
			apiKeys {
				...ApiKeyFields
			}
			currentApiKey {
				id
			}
		}
	`,
	[ApiKeyFields]
);

export const CreateApiKeyMutation = graphql(
	`
		mutation CreateApiKey($name: String!, $scopes: [ApiScope!]!) {
			createApiKey(name: $name, scopes: $scopes) {
				apiKey {
					...ApiKeyFields
				}
				key
			}
		}
	`,
	[ApiKeyFields]
);

export const RevokeApiKeyMutation = graphql(
	`
		mutation RevokeApiKey($id: ID!) {
			revokeApiKey(id: $id) {
				...ApiKeyFields
			}
		}
	`,
	[ApiKeyFields]
);
