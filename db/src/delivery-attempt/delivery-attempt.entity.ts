import { defineEntity, p } from '@mikro-orm/core';
import { Event } from '../event/event.entity.ts';
import { newId } from '../ids.ts';
import type { RateLimitSnapshot } from '../integration/integration.entity.ts';

/** A header as stored: secrets already replaced by "[redacted]". */
export interface StoredHeader {
  name: string;
  value: string;
}

const DeliveryAttemptSchema = defineEntity({
  name: 'DeliveryAttempt',
  tableName: 'delivery_attempt',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => newId()),
    event: () => p.manyToOne(Event).deleteRule('cascade'),
    workspaceId: p.uuid(),
    integrationId: p.uuid(),
    eventType: p.string(),
    attemptNumber: p.integer(),
    source: p.string().default('SYSTEM'),
    startedAt: p.datetime(),
    durationMs: p.integer().nullable(),
    requestMethod: p.string(),
    requestUrl: p.text(),
    requestHeaders: p.json<StoredHeader[]>(),
    requestBody: p.text().nullable(),
    responseStatus: p.integer().nullable(),
    responseHeaders: p.json<StoredHeader[]>().nullable(),
    responseBody: p.text().nullable(),
    /** BASE64 when the body was not text (binary, invalid UTF-8, NUL bytes); null for text. */
    responseBodyEncoding: p.string().$type<'BASE64'>().nullable(),
    succeeded: p.boolean(),
    errorCode: p.string().nullable(),
    errorMessage: p.text().nullable(),
    rateLimit: p.json<RateLimitSnapshot>().nullable(),
  },
  indexes: [
    { name: 'delivery_attempt_event_idx', properties: ['event', 'attemptNumber'] },
    {
      name: 'delivery_attempt_log_idx',
      expression: 'create index "delivery_attempt_log_idx" on "delivery_attempt" ("integration_id", "started_at" desc, "id" desc)',
    },
    { name: 'delivery_attempt_started_at_idx', properties: ['startedAt'] },
  ],
});

export class DeliveryAttempt extends DeliveryAttemptSchema.class {}
DeliveryAttemptSchema.setClass(DeliveryAttempt);
export { DeliveryAttemptSchema };
