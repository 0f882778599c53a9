import { DeliveryAttempt, encodeId, type StoredHeader } from '@switchboard/db';
import { builder } from '../builder.ts';
import { RateLimitSnapshotRef } from './integration-health.ts';

const HeaderRef = builder.objectRef<StoredHeader>('Header').implement({
  description: 'A header as recorded; secrets appear as "[redacted]".',
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

const BodyEncodingRef = builder.enumType('BodyEncoding', { values: ['TEXT', 'BASE64'] as const });

const HttpRequestLogRef = builder.objectRef<DeliveryAttempt>('HttpRequestLog').implement({
  fields: (t) => ({
    method: t.string({ resolve: (a) => a.requestMethod }),
    url: t.string({ resolve: (a) => a.requestUrl }),
    headers: t.field({ type: [HeaderRef], resolve: (a) => a.requestHeaders ?? [] }),
    body: t.string({ nullable: true, resolve: (a) => a.requestBody ?? null }),
  }),
});

const HttpResponseLogRef = builder.objectRef<DeliveryAttempt>('HttpResponseLog').implement({
  fields: (t) => ({
    statusCode: t.int({ resolve: (a) => a.responseStatus as number }),
    headers: t.field({ type: [HeaderRef], resolve: (a) => a.responseHeaders ?? [] }),
    body: t.string({ nullable: true, resolve: (a) => a.responseBody ?? null }),
    bodyEncoding: t.field({
      type: BodyEncodingRef,
      description: 'BASE64 when the destination answered bytes that are not text: `body` is then their base64 encoding.',
      resolve: (a) => a.responseBodyEncoding ?? 'TEXT',
    }),
  }),
});

export const DeliveryAttemptRef = builder.objectRef<DeliveryAttempt>('DeliveryAttempt').implement({
  interfaces: [builder.nodeInterfaceRef()],
  isTypeOf: (value) => value instanceof DeliveryAttempt,
  fields: (t) => ({
    id: t.id({ resolve: (a) => encodeId('DeliveryAttempt', a.id) }),
    attemptNumber: t.exposeInt('attemptNumber'),
    startedAt: t.field({ type: 'DateTime', resolve: (a) => a.startedAt }),
    durationMs: t.int({ nullable: true, resolve: (a) => a.durationMs ?? null }),
    succeeded: t.exposeBoolean('succeeded'),
    request: t.field({ type: HttpRequestLogRef, resolve: (a) => a }),
    response: t.field({
      type: HttpResponseLogRef,
      nullable: true,
      description: 'Null when no response arrived (timeout, refused, DNS, TLS).',
      resolve: (a) => (a.responseStatus == null ? null : a),
    }),
    errorCode: t.string({ nullable: true, resolve: (a) => a.errorCode ?? null }),
    errorMessage: t.string({ nullable: true, resolve: (a) => a.errorMessage ?? null }),
    rateLimit: t.field({ type: RateLimitSnapshotRef, nullable: true, resolve: (a) => a.rateLimit ?? null }),
  }),
});
