import { defineEntity, p } from '@mikro-orm/core';
import type { EventStatus, IntegrationType } from '../domain.ts';

/**
 * Hourly counters without the error code: how many events received in `hour` are now in `status`.
 * Kept by the same rule and in the same statements as `event_rollup` (rollup/rollup-rule.ts); the
 * trends, overview and health read these, a fifth of the rows (failures spread over many codes).
 */
const EventStatusRollupSchema = defineEntity({
  name: 'EventStatusRollup',
  tableName: 'event_status_rollup',
  properties: {
    workspaceId: p.uuid().primary(),
    hour: p.datetime().primary(),
    integrationId: p.uuid().primary(),
    status: p.string().$type<EventStatus>().primary(),
    integrationType: p.string().$type<IntegrationType>(),
    count: p.integer().default(0),
  },
});

export class EventStatusRollup extends EventStatusRollupSchema.class {}
EventStatusRollupSchema.setClass(EventStatusRollup);
export { EventStatusRollupSchema };
