import { graphql } from './graphql.ts';

/** Validates a key and tells the console who it belongs to; run server-side on sign-in and per page load. */
export const SessionQuery = graphql(`
	query Session {
		viewer {
			id
			name
			timezone
		}
		currentApiKey {
			id
			name
			prefix
			scopes
		}
	}
`);
