import { graphql } from './graphql.ts';

export const OverviewQuery = graphql(`
	query DashboardOverview($range: TimeRange!) {
		overview(range: $range) {
			from
			to
			succeeded
			failed
			retrying
			inFlight
			held
			successRate
			byType {
				type
				succeeded
				failed
				retrying
				previousSucceeded
				previousFailed
				succeededChange
				failedChange
				failing
				previousFailing
				failingChange
			}
		}
		failuresByErrorCode(range: $range, includeRetrying: true) {
			code
			label
			category
			count
			retrying
			share
		}
	}
`);

export const TrendsQuery = graphql(`
	query DashboardTrends($range: TimeRange!, $bucket: TimeBucket!) {
		trends(range: $range, bucket: $bucket) {
			type
			points {
				bucketStart
				succeeded
				failed
				retrying
				partial
			}
		}
	}
`);

export const FailureGroupsQuery = graphql(`
	query DashboardFailureGroups($range: TimeRange!, $first: Int, $after: String) {
		failureGroups(range: $range, first: $first, after: $after, includeRetrying: true) {
			edges {
				cursor
				node {
					integration {
						id
						name
						type
						provider
						state
					}
					errorCode
					description
					service
					flow
					totalErrors
					retrying
					firstSeenAt
					lastSeenAt
				}
			}
			pageInfo {
				hasNextPage
				endCursor
			}
		}
	}
`);

export const RemediationQuery = graphql(`
	query Remediation($code: String!, $type: IntegrationType!) {
		errorCatalog(code: $code, type: $type) {
			code
			label
			category
			type
			applicable
			retryable
			guidance
		}
	}
`);

export const ErrorCodesQuery = graphql(`
	query ErrorCodes {
		errorCatalog {
			code
			label
			category
		}
	}
`);
