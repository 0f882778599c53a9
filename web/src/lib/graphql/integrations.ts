import { graphql } from './graphql.ts';

export const IntegrationListQuery = graphql(`
	query IntegrationList($filter: IntegrationFilter, $first: Int, $after: String) {
		integrations(filter: $filter, first: $first, after: $after) {
			totalCount
			edges {
				cursor
				node {
					id
					name
					type
					provider
					providerClass
					environment
					state
					stateReason
					circuit
					circuitOpenedAt
					throttledUntil
					health {
						successRate
						delivered
						failed
						retrying
						lastEventAt
					}
				}
			}
			pageInfo {
				hasNextPage
				endCursor
			}
		}
	}
`);

/** Names only, for filter pickers. */
export const IntegrationOptionsQuery = graphql(`
	query IntegrationOptions {
		integrations(first: 100) {
			edges {
				node {
					id
					name
					type
				}
			}
		}
	}
`);

export const IntegrationDetailQuery = graphql(`
	query IntegrationDetail($id: ID!) {
		integration(id: $id) {
			id
			name
			type
			provider
			providerClass
			direction
			environment
			state
			stateReason
			owner
			installedAt
			updatedAt
			destinationUrl
			subscribedEventTypes
			fieldMapping
			service
			flow
			ingestUrl
			circuit
			circuitOpenedAt
			throttledUntil
			previousSecretExpiresAt
			deliveryRateLimit
			deliveryRatePeriod
			maxInFlight
			health {
				delivered
				failed
				retrying
				successRate
				consecutiveFailures
				lastEventAt
				lastFailureAt
				rateLimit {
					max
					remaining
					dailyLimit
					dailyRemaining
					retryAfterSeconds
					observedAt
					resetAt
					stale
				}
			}
			stateHistory {
				from
				to
				reason
				actor
				at
			}
			events(first: 10) {
				edges {
					node {
						id
						eventType
						status
						receivedAt
						errorCode
					}
				}
			}
		}
	}
`);

/** What a lifecycle mutation returns: enough for the badge, the buttons and the history to update. */
export const LifecycleFields = graphql(`
	fragment LifecycleFields on Integration {
		id
		state
		stateReason
		updatedAt
		stateHistory {
			from
			to
			reason
			actor
			at
		}
	}
`);

export const PauseIntegrationMutation = graphql(
	`
		mutation PauseIntegration($id: ID!, $reason: String) {
			pauseIntegration(id: $id, reason: $reason) {
				integration {
					...LifecycleFields
				}
			}
		}
	`,
	[LifecycleFields]
);

export const ResumeIntegrationMutation = graphql(
	`
		mutation ResumeIntegration($id: ID!) {
			resumeIntegration(id: $id) {
				integration {
					...LifecycleFields
				}
			}
		}
	`,
	[LifecycleFields]
);

export const ReconnectIntegrationMutation = graphql(
	`
		mutation ReconnectIntegration($id: ID!) {
			reconnectIntegration(id: $id) {
				integration {
					...LifecycleFields
				}
			}
		}
	`,
	[LifecycleFields]
);

export const DisconnectIntegrationMutation = graphql(
	`
		mutation DisconnectIntegration($id: ID!, $reason: String) {
			disconnectIntegration(id: $id, reason: $reason) {
				integration {
					...LifecycleFields
				}
			}
		}
	`,
	[LifecycleFields]
);

export const IntegrationStateChangedSubscription = graphql(
	`
		subscription IntegrationStateChanged($integrationId: ID) {
			integrationStateChanged(integrationId: $integrationId) {
				...LifecycleFields
				name
			}
		}
	`,
	[LifecycleFields]
);

export const SendTestEventMutation = graphql(`
	mutation SendTestEvent($integrationId: ID!, $eventType: String!, $payload: JSON) {
		sendTestEvent(integrationId: $integrationId, eventType: $eventType, payload: $payload) {
			id
			status
		}
	}
`);

export const RotateSigningSecretMutation = graphql(`
	mutation RotateSigningSecret($id: ID!, $graceSeconds: Int) {
		rotateSigningSecret(id: $id, graceSeconds: $graceSeconds) {
			integration {
				id
				updatedAt
				previousSecretExpiresAt
			}
			signingSecret
		}
	}
`);

/** What the create/edit form shows and edits (credentials are write-only and never read back). */
export const IntegrationFormFields = graphql(`
	fragment IntegrationFormFields on Integration {
		id
		name
		type
		provider
		environment
		owner
		destinationUrl
		destinationMethod
		subscribedEventTypes
		fieldMapping
		service
		flow
		retrySchedule
		updatedAt
	}
`);

export const IntegrationFormQuery = graphql(
	`
		query IntegrationForm($id: ID!) {
			integration(id: $id) {
				...IntegrationFormFields
			}
		}
	`,
	[IntegrationFormFields]
);

export const CreateIntegrationMutation = graphql(
	`
		mutation CreateIntegration($input: CreateIntegrationInput!) {
			createIntegration(input: $input) {
				integration {
					...IntegrationFormFields
					ingestUrl
				}
				signingSecret
			}
		}
	`,
	[IntegrationFormFields]
);

export const UpdateIntegrationMutation = graphql(
	`
		mutation UpdateIntegration($id: ID!, $input: UpdateIntegrationInput!) {
			updateIntegration(id: $id, input: $input) {
				integration {
					...IntegrationFormFields
				}
			}
		}
	`,
	[IntegrationFormFields]
);
