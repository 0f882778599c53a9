import { graphql } from './graphql.ts';

export const EventRowFields = graphql(`
	fragment EventRowFields on Event {
		id
		eventType
		status
		source
		sourceRecordId
		destinationRecordId
		traceId
		idempotencyKey
		receivedAt
		updatedAt
		attemptCount
		nextAttemptAt
		errorCode
		errorMessage
		integration {
			id
			name
			type
			provider
		}
		lastAttempt {
			method
			url
			statusCode
		}
	}
`);

export const EventListQuery = graphql(
	`
		query EventList($filter: EventFilter, $first: Int, $after: String, $orderBy: EventOrder) {
			events(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
				totalCount
				totalCountCapped
				edges {
					cursor
					node {
						...EventRowFields
					}
				}
				pageInfo {
					hasNextPage
					endCursor
				}
			}
		}
	`,
	[EventRowFields]
);

export const EventDetailQuery = graphql(
	`
		query EventDetail($id: ID!) {
			event(id: $id) {
				...EventRowFields
				deliveredAt
				payload
				payloadExpired
				statusHistory {
					from
					to
					at
					reason
				}
				attempts {
					id
					attemptNumber
					startedAt
					durationMs
					errorCode
					errorMessage
					request {
						method
						url
						headers {
							name
							value
						}
						body
					}
					response {
						statusCode
						headers {
							name
							value
						}
						body
						bodyEncoding
					}
					rateLimit {
						max
						remaining
						dailyLimit
						dailyRemaining
						retryAfterSeconds
						observedAt
					}
				}
			}
		}
	`,
	[EventRowFields]
);

export const ReplayEventMutation = graphql(`
	mutation ReplayEvent($id: ID!) {
		replayEvent(id: $id) {
			id
			status
			receivedAt
		}
	}
`);

export const EventStatusChangedSubscription = graphql(
	`
		subscription EventStatusChanged($filter: EventSubscriptionFilter) {
			eventStatusChanged(filter: $filter) {
				...EventRowFields
			}
		}
	`,
	[EventRowFields]
);

export const FailureOccurredSubscription = graphql(
	`
		subscription FailureOccurred {
			failureOccurred {
				...EventRowFields
			}
		}
	`,
	[EventRowFields]
);

/** ADMIN: replays every DELIVERED or FAILED event matching the filter (the API caps one call at 10,000). */
export const ReplayPreviewQuery = graphql(`
	query ReplayPreview($filter: EventFilter!) {
		replayPreview(filter: $filter) {
			count
			skippedExpired
			limit
			overLimit
		}
	}
`);

export const ReplayEventsMutation = graphql(`
	mutation ReplayEvents($filter: EventFilter!) {
		replayEvents(filter: $filter) {
			count
			skippedExpired
		}
	}
`);
