import { defineEntity, p } from '@mikro-orm/core';
import type { EventStatus, IntegrationType, TriggerSource } from '../domain.ts';
import { newId, randomBytesPooled } from '../ids.ts';
import { Integration } from '../integration/integration.entity.ts';
import { Workspace } from '../workspace/workspace.entity.ts';
import type { EventStatusChange } from './event-status.ts';

const EventSchema = defineEntity({
  name: 'Event',
  tableName: 'event',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => newId()),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    integration: () => p.manyToOne(Integration).deleteRule('cascade'),
    /** Copied from the integration so type filters and rollups need no join. */
    integrationType: p.string().$type<IntegrationType>(),
    eventType: p.string(),
    status: p.string().$type<EventStatus>().default('RECEIVED'),
    source: p.string().$type<TriggerSource>().default('SYSTEM'),
    sourceRecordId: p.string().nullable(),
    destinationRecordId: p.string().nullable(),
    idempotencyKey: p.string().nullable(),
    traceId: p.string().onCreate(() => newTraceId()),
    isTest: p.boolean().default(false),
    receivedAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    deliveredAt: p.datetime().nullable(),
    attemptCount: p.integer().default(0),
    /** attemptCount when the current attempt cycle began (a replay starts a new one); the retry schedule counts from here. */
    retryBase: p.integer().default(0),
    nextAttemptAt: p.datetime().nullable(),
    /** Set while PROCESSING: the claim time (the lease itself lives in event_queue). */
    processingStartedAt: p.datetime().nullable(),
    errorCode: p.string().nullable(),
    errorMessage: p.text().nullable(),
    payload: p.json<unknown>().nullable().lazy(),
    payloadExpired: p.boolean().default(false),
    statusHistory: p.json<EventStatusChange[]>(),
  },
  indexes: [
    { name: 'event_log_idx', expression: 'create index "event_log_idx" on "event" ("workspace_id", "received_at" desc, "id" desc)' },
    {
      name: 'event_integration_log_idx',
      expression: 'create index "event_integration_log_idx" on "event" ("integration_id", "received_at" desc, "id" desc)',
    },
    {
      name: 'event_failing_log_idx',
      expression:
        'create index "event_failing_log_idx" on "event" ("workspace_id", "received_at" desc, "id" desc) where "error_code" is not null',
    },
    { name: 'event_received_at_idx', properties: ['receivedAt'] },
    {
      name: 'event_payload_expiry_idx',
      expression: 'create index "event_payload_expiry_idx" on "event" ("received_at") where "payload_expired" = false',
    },
    { name: 'event_trace_idx', properties: ['workspace', 'traceId'] },
    {
      name: 'event_source_record_idx',
      expression:
        'create index "event_source_record_idx" on "event" ("workspace_id", "source_record_id") where "source_record_id" is not null',
    },
    {
      name: 'event_destination_record_idx',
      expression:
        'create index "event_destination_record_idx" on "event" ("workspace_id", "destination_record_id") where "destination_record_id" is not null',
    },
    {
      name: 'event_idempotency_search_idx',
      expression:
        'create index "event_idempotency_search_idx" on "event" ("workspace_id", "idempotency_key") where "idempotency_key" is not null',
    },
  ],
});

export class Event extends EventSchema.class {}
EventSchema.setClass(Event);
export { EventSchema };

/** 32 hex characters, W3C trace-context sized; sent downstream and searchable. */
export function newTraceId(): string {
  return randomBytesPooled(16).toString('hex');
}
