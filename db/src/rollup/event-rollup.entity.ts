import { defineEntity, p } from '@mikro-orm/core';
import type { EventStatus, IntegrationType } from '../domain.ts';

/**
 * Hourly counters maintained with the writes: how many events received in `hour` are now in
 * `status` (with `errorCode`, '' for none). A status change moves one count from one row to another
 * in the same transaction, so dashboards read these rows instead of scanning events.
 */
const EventRollupSchema = defineEntity({
  name: 'EventRollup',
  tableName: 'event_rollup',
  properties: {
    workspaceId: p.uuid().primary(),
    hour: p.datetime().primary(),
    integrationId: p.uuid().primary(),
    status: p.string().$type<EventStatus>().primary(),
    errorCode: p.string().primary(),
    integrationType: p.string().$type<IntegrationType>(),
    count: p.integer().default(0),
    /** Earliest and latest receivedAt counted here (for the failure table's first/last seen). */
    firstAt: p.datetime(),
    lastAt: p.datetime(),
  },
});

export class EventRollup extends EventRollupSchema.class {}
EventRollupSchema.setClass(EventRollup);
export { EventRollupSchema };
