// The closed vocabularies of the contract, from db/src/domain.ts, and the shared TimeRange input.
import {
  API_SCOPES,
  DIRECTIONS,
  ENVIRONMENTS,
  ERROR_CATEGORIES,
  EVENT_STATUSES,
  INTEGRATION_STATES,
  INTEGRATION_TYPES,
  PROVIDER_CLASSES,
  TRIGGER_SOURCES,
} from '@switchboard/db';
import { builder } from '../builder.ts';

export const IntegrationTypeEnum = builder.enumType('IntegrationType', { values: INTEGRATION_TYPES });
export const IntegrationStateEnum = builder.enumType('IntegrationState', { values: INTEGRATION_STATES });
export const ProviderClassEnum = builder.enumType('ProviderClass', { values: PROVIDER_CLASSES });
export const DirectionEnum = builder.enumType('Direction', { values: DIRECTIONS });
export const EnvironmentEnum = builder.enumType('Environment', { values: ENVIRONMENTS });
export const EventStatusEnum = builder.enumType('EventStatus', { values: EVENT_STATUSES });
export const TriggerSourceEnum = builder.enumType('TriggerSource', { values: TRIGGER_SOURCES });
export const TimeBucketEnum = builder.enumType('TimeBucket', { values: ['HOUR', 'DAY'] as const });
export const ErrorCategoryEnum = builder.enumType('ErrorCategory', { values: ERROR_CATEGORIES });
export const ApiScopeEnum = builder.enumType('ApiScope', { values: API_SCOPES });
export const RatePeriodEnum = builder.enumType('RatePeriod', { values: ['SECOND', 'MINUTE'] as const });
export const CircuitStateEnum = builder.enumType('CircuitState', {
  description:
    'CLOSED: delivering. OPEN: the destination is down, deliveries are held and a probe is tried on a backoff. HALF_OPEN: a probe is in flight.',
  values: ['CLOSED', 'OPEN', 'HALF_OPEN'] as const,
});
export const EventOrderEnum = builder.enumType('EventOrder', { values: ['RECEIVED_AT_DESC', 'RECEIVED_AT_ASC'] as const });

export const TimeRangeInput = builder.inputType('TimeRange', {
  description: 'A half-open range [from, to).',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: true }),
    to: t.field({ type: 'DateTime', required: true }),
  }),
});
