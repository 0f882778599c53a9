import { graphql } from './graphql.ts';

export const IncidentSummaryFields = graphql(`
	fragment IncidentSummaryFields on Incident {
		id
		kind
		state
		severity
		title
		summary
		errorCode
		openedAt
		lastSeenAt
		resolvedAt
		mutedUntil
		eventCount
		integration {
			id
			name
		}
		integrations {
			id
			name
		}
	}
`);

export const IncidentListQuery = graphql(
	`
		query IncidentList($filter: IncidentFilter, $first: Int, $after: String) {
			incidents(filter: $filter, first: $first, after: $after) {
				totalCount
				edges {
					cursor
					node {
						...IncidentSummaryFields
					}
				}
				pageInfo {
					hasNextPage
					endCursor
				}
			}
		}
	`,
	[IncidentSummaryFields]
);

export const IncidentDetailQuery = graphql(
	`
		query IncidentDetail($id: ID!) {
			incident(id: $id) {
				...IncidentSummaryFields
				likelyCause
				integrations {
					id
					name
					type
					state
					provider
				}
				remediation {
					code
					label
					category
					applicable
					guidance
				}
				history {
					from
					to
					at
					actor
					note
				}
				sampleEvents(first: 10) {
					id
					eventType
					status
					receivedAt
					errorCode
					errorMessage
					integration {
						id
						name
					}
					attempts {
						id
						response {
							statusCode
						}
					}
				}
			}
		}
	`,
	[IncidentSummaryFields]
);

export const AcknowledgeIncidentMutation = graphql(`
	mutation AcknowledgeIncident($id: ID!, $note: String) {
		acknowledgeIncident(id: $id, note: $note) {
			id
			state
		}
	}
`);

export const ResolveIncidentMutation = graphql(`
	mutation ResolveIncident($id: ID!, $note: String) {
		resolveIncident(id: $id, note: $note) {
			id
			state
		}
	}
`);

export const MuteIncidentMutation = graphql(`
	mutation MuteIncident($id: ID!, $until: DateTime!, $note: String) {
		muteIncident(id: $id, until: $until, note: $note) {
			id
			state
			mutedUntil
		}
	}
`);

export const IncidentChangedSubscription = graphql(`
	subscription IncidentChanged($integrationId: ID) {
		incidentChanged(integrationId: $integrationId) {
			id
			state
			lastSeenAt
		}
	}
`);
