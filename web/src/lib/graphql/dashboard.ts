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
			byType {
				type
				succeeded
				failed
				previousSucceeded
				previousFailed
				succeededChange
				failedChange
			}
		}
		failuresByErrorCode(range: $range) {
			code
			label
			category
			count
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
			}
		}
	}
`);

export const FailureGroupsQuery = graphql(`
	query DashboardFailureGroups($range: TimeRange!, $first: Int, $after: String) {
		failureGroups(range: $range, first: $first, after: $after) {
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
