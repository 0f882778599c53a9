// GET /openapi.json — OpenAPI 3.1 for the plain-HTTP endpoints (ingest, publish, REST logs, health,
// metrics). GraphQL describes itself (introspection, schema/schema.graphql); this covers the rest.
// test/integration/openapi.test.ts holds it against the server's real answers, so it cannot drift.
import { LOGS_DEFAULT_LIMIT, LOGS_MAX_LIMIT } from './rest-logs.ts';
import { sendJson } from './respond.ts';
import type { Router } from './router.ts';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const retryAfter = { 'retry-after': { description: 'Seconds to wait before trying again', schema: { type: 'string', pattern: '^\\d+$' } } };

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Switchboard HTTP endpoints',
    version: '1.0.0',
    description:
      'The plain-HTTP side of Switchboard: webhooks in (ingest), events published by your own application, ' +
      'the REST delivery log, health and metrics. Everything else is the GraphQL API at /graphql ' +
      '(queries and mutations over HTTP, live subscriptions over graphql-ws). Every refusal has the shape ' +
      '{"error": {"code", "message"}}.',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'ingest', description: 'Events into Switchboard' },
    { name: 'logs', description: 'Delivery attempts as recorded' },
    { name: 'operations', description: 'Health and metrics' },
  ],
  paths: {
    '/ingest/{integrationId}': {
      post: {
        tags: ['ingest'],
        operationId: 'ingestWebhook',
        summary: 'A provider delivers a webhook to an INBOUND_WEBHOOK integration',
        description:
          "The body is verified with the integration's signing scheme (Standard Webhooks by default; or an HMAC-SHA256 " +
          'header, Stripe or GitHub signatures) before anything is stored, and acknowledged only once committed. ' +
          'A repeated webhook-id (or idempotency-key) answers 200 with the first event.',
        parameters: [
          { name: 'integrationId', in: 'path', required: true, schema: { type: 'string' }, description: 'The integration id (int_…)' },
          { name: 'x-event-type', in: 'header', schema: { type: 'string', maxLength: 255 }, description: 'Else the body\'s "type" field' },
          {
            name: 'webhook-id',
            in: 'header',
            schema: { type: 'string', maxLength: 255 },
            description: 'Standard Webhooks; also the idempotency key',
          },
          { name: 'webhook-timestamp', in: 'header', schema: { type: 'string' }, description: 'Standard Webhooks (5-minute tolerance)' },
          { name: 'webhook-signature', in: 'header', schema: { type: 'string' }, description: 'Standard Webhooks: v1,<base64 HMAC>' },
          { name: 'idempotency-key', in: 'header', schema: { type: 'string', maxLength: 255 }, description: 'When there is no webhook-id' },
          {
            name: 'traceparent',
            in: 'header',
            schema: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
            description: "W3C trace context: the event's traceId becomes this trace's id",
          },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: {} } } },
        responses: {
          '202': { description: 'Stored; delivery follows', content: json(ref('IngestAccepted')) },
          '200': { description: 'Already received (same idempotency key): the first event', content: json(ref('IngestAccepted')) },
          '400': error(
            'INVALID_JSON, INVALID_UTF8, UNSUPPORTED_CHARACTER (NUL or a lone surrogate), TOO_DEEP (over 64 levels), UNSTORABLE_EVENT, MISSING_EVENT_TYPE, INVALID_EVENT_TYPE, INVALID_IDEMPOTENCY_KEY or MALFORMED_PATH',
          ),
          '401': error('INVALID_SIGNATURE: missing, malformed, stale or wrong signature'),
          '404': error('NOT_FOUND: no inbound webhook integration with this id'),
          '410': error('DISCONNECTED: the integration accepts no events'),
          '413': error('PAYLOAD_TOO_LARGE'),
          '415': error('UNSUPPORTED_MEDIA_TYPE: send application/json'),
          '429': { ...error("RATE_LIMITED: over the integration's ingest rate"), headers: retryAfter },
          '503': { ...error('DATABASE_UNAVAILABLE, DATABASE_BUSY or OVERLOADED: not stored, send again'), headers: retryAfter },
        },
      },
    },
    '/v1/events': {
      post: {
        tags: ['ingest'],
        operationId: 'publishEvent',
        summary: 'Your application publishes an event',
        description:
          'One event per subscribed, not-disconnected outbound integration, stored in one transaction. ' +
          'No subscriber: 202 with no events.',
        security: [{ bearer: [] }, { apiKey: [] }],
        parameters: [
          {
            name: 'traceparent',
            in: 'header',
            schema: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
            description: "W3C trace context: the events' traceId becomes this trace's id",
          },
        ],
        requestBody: { required: true, content: json(ref('PublishRequest')) },
        responses: {
          '202': { description: 'Stored, one event per subscribed integration', content: json(ref('PublishAccepted')) },
          '400': error(
            'INVALID_JSON, INVALID_UTF8, UNSUPPORTED_CHARACTER, TOO_DEEP, UNSTORABLE_EVENT, MISSING_EVENT_TYPE, RESERVED_EVENT_TYPE (switchboard.*) or BAD_USER_INPUT',
          ),
          '401': error('UNAUTHENTICATED: no valid API key'),
          '403': error('FORBIDDEN: the key lacks the INGEST scope (or is the root key)'),
          '413': error('PAYLOAD_TOO_LARGE'),
          '415': error('UNSUPPORTED_MEDIA_TYPE: send application/json'),
          '503': { ...error('DATABASE_UNAVAILABLE, DATABASE_BUSY or OVERLOADED: not stored, send again'), headers: retryAfter },
        },
      },
    },
    '/v1/webhooks/{integrationId}/logs': {
      get: {
        tags: ['logs'],
        operationId: 'webhookLogs',
        summary: "An integration's delivery attempts, a page at a time",
        security: [{ apiKey: [] }, { bearer: [] }],
        parameters: [
          { name: 'integrationId', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: LOGS_MAX_LIMIT, default: LOGS_DEFAULT_LIMIT } },
          { name: 'sort', in: 'query', schema: { type: 'string', enum: ['-createdAt', 'createdAt'], default: '-createdAt' } },
        ],
        responses: {
          '200': { description: 'A page of attempts', content: json(ref('LogPage')) },
          '400': error('BAD_USER_INPUT: page, limit or sort out of range'),
          '401': error('UNAUTHENTICATED'),
          '403': error('FORBIDDEN: the key lacks the READ scope (or is the root key)'),
          '404': error('NOT_FOUND: no such integration in this workspace'),
          '429': { ...error('RATE_LIMITED: over the per-key API rate'), headers: retryAfter },
        },
      },
    },
    '/healthz': {
      get: {
        tags: ['operations'],
        operationId: 'liveness',
        summary: 'Liveness: the process answers',
        responses: { '200': { description: 'Alive', content: json(ref('Health')) } },
      },
    },
    '/readyz': {
      get: {
        tags: ['operations'],
        operationId: 'readiness',
        summary: 'Readiness: the database answers within 2 s',
        responses: {
          '200': { description: 'Ready', content: json(ref('Ready')) },
          '503': { description: 'The database is not reachable', content: json(ref('NotReady')), headers: retryAfter },
        },
      },
    },
    '/metrics': {
      get: {
        tags: ['operations'],
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        responses: { '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    '/openapi.json': {
      get: {
        tags: ['operations'],
        operationId: 'openApi',
        summary: 'This document',
        responses: { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object', required: ['openapi', 'paths'] }) } },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'A workspace API key (sbk_…)' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key in x-api-key' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        additionalProperties: false,
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            additionalProperties: false,
            properties: { code: { type: 'string', pattern: '^[A-Z_]+$' }, message: { type: 'string', minLength: 1 } },
          },
        },
      },
      IngestAccepted: {
        type: 'object',
        required: ['id', 'status', 'duplicate'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^evt_' },
          status: ref('EventStatus'),
          duplicate: { type: 'boolean' },
        },
      },
      EventStatus: { type: 'string', enum: ['RECEIVED', 'PROCESSING', 'RETRYING', 'DELIVERED', 'FAILED'] },
      PublishRequest: {
        type: 'object',
        required: ['eventType', 'payload'],
        properties: {
          eventType: { type: 'string', minLength: 1, maxLength: 255 },
          payload: { description: 'Any JSON value' },
          idempotencyKey: { type: ['string', 'null'], maxLength: 255 },
          sourceRecordId: { type: ['string', 'null'], maxLength: 255 },
          source: { type: 'string', enum: ['USER', 'SYSTEM'], default: 'USER' },
        },
      },
      PublishAccepted: {
        type: 'object',
        required: ['events'],
        additionalProperties: false,
        properties: {
          events: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'integrationId', 'duplicate'],
              additionalProperties: false,
              properties: {
                id: { type: 'string', pattern: '^evt_' },
                integrationId: { type: 'string', pattern: '^int_' },
                duplicate: { type: 'boolean' },
              },
            },
          },
        },
      },
      LogPage: {
        type: 'object',
        required: ['data', 'pagination'],
        additionalProperties: false,
        properties: {
          data: { type: 'array', items: ref('LogEntry') },
          pagination: {
            type: 'object',
            required: ['total', 'page', 'limit', 'pages'],
            additionalProperties: false,
            properties: {
              total: { type: 'integer', minimum: 0 },
              page: { type: 'integer', minimum: 1 },
              limit: { type: 'integer', minimum: 1 },
              pages: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
      LogEntry: {
        type: 'object',
        required: ['_id', 'event', 'status', 'request', 'response', 'responseTime', 'createdAt'],
        additionalProperties: false,
        properties: {
          _id: { type: 'string' },
          event: { type: 'string', description: 'The event type' },
          status: { type: 'string', enum: ['success', 'failed'] },
          request: {
            type: 'object',
            required: ['body'],
            additionalProperties: false,
            properties: { body: { description: 'The body sent: parsed JSON, else the text; null when none' } },
          },
          response: {
            type: 'object',
            required: ['code', 'body'],
            additionalProperties: false,
            properties: {
              code: { type: ['integer', 'null'], description: 'HTTP status; null when no response arrived' },
              body: { description: 'The body received: parsed JSON, else the text; null when none' },
            },
          },
          responseTime: { type: ['integer', 'null'], description: 'Milliseconds' },
          createdAt: { type: 'string', format: 'date-time' },
        },
      },
      Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
      Ready: {
        type: 'object',
        required: ['status', 'database'],
        properties: { status: { const: 'ready' }, database: { type: 'string', enum: ['postgresql', 'embedded'] } },
      },
      NotReady: {
        type: 'object',
        required: ['status', 'database', 'error'],
        properties: { status: { const: 'unavailable' }, database: { type: 'string' }, error: ref('Error/properties/error') },
      },
    },
  },
} as const;

export function addOpenApiRoute(router: Router): void {
  router.add('GET', '/openapi.json', (_req, res) => sendJson(res, 200, openApiDocument, { 'cache-control': 'public, max-age=300' }));
}
