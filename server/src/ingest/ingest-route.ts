// POST /ingest/:integrationId — a provider pushes a webhook to an INBOUND_WEBHOOK integration.
// Cheap refusals first (unknown, disconnected, wrong content type, too large, over rate), then the
// signature over the raw body, then the JSON; the event is acknowledged only once committed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeIdOf, encodeId, newId, newTraceId, type NewEventRow } from '@switchboard/db';
import type { Handler } from '../http/router.ts';
import { sendError, sendJson } from '../http/respond.ts';
import { BodyTooLargeError, isJsonContentType, readBody } from './body.ts';
import { type IngestContext, refusal, storeOrRefuse, withDeadline } from './ingest-context.ts';
import { inboundTraceId, traceStore, traceVerify } from '../tracing.ts';
import { parseJsonBody } from './json-guard.ts';
import { verifySignature } from './signature.ts';

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
}

/** Discards what is left of a refused request's body so the connection stays usable. */
function discard(req: IncomingMessage, res: ServerResponse): void {
  if (!req.complete) {
    res.setHeader('connection', 'close');
    req.resume();
  }
}

export function ingestHandler(ctx: IngestContext): Handler {
  return async (req, res, params) => {
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      ctx.metrics.ingestRefusals.inc({ code });
      discard(req, res);
      sendError(res, status, code, message, headers);
    };
    const publicId = params.integrationId ?? '';
    const integrationId = decodeIdOf('Integration', publicId);
    if (!integrationId) return refuse(404, 'NOT_FOUND', `Integration ${publicId} not found`);
    let integration: Awaited<ReturnType<typeof ctx.cache.get>>;
    try {
      integration = await withDeadline(ctx, ctx.cache.get(integrationId));
    } catch (err) {
      const r = refusal(ctx, err);
      return refuse(r.status, r.code, r.message, r.headers);
    }
    if (integration?.type !== 'INBOUND_WEBHOOK') {
      return refuse(404, 'NOT_FOUND', `Inbound webhook integration ${publicId} not found`);
    }
    if (integration.state === 'DISCONNECTED')
      return refuse(410, 'DISCONNECTED', `Integration ${publicId} is disconnected and accepts no events`);
    if (!isJsonContentType(req.headers['content-type'])) {
      return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the webhook as JSON with Content-Type: application/json');
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > ctx.config.maxBodyBytes) {
      return refuse(413, 'PAYLOAD_TOO_LARGE', `The body is over the ${ctx.config.maxBodyBytes}-byte limit`);
    }
    if (integration.ingestRateLimit !== null) {
      const wait = ctx.limiter.take(integration.id, integration.ingestRateLimit);
      if (wait > 0) {
        return refuse(429, 'RATE_LIMITED', `Over ${integration.ingestRateLimit} requests per second for this integration`, {
          'retry-after': String(wait),
        });
      }
    }
    let body: Buffer;
    try {
      body = await readBody(req, ctx.config.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return refuse(413, 'PAYLOAD_TOO_LARGE', `The body is over the ${ctx.config.maxBodyBytes}-byte limit`);
      throw err;
    }
    const verified = traceVerify(() => verifySignature(integration, req.headers, body));
    if (!verified.ok) return refuse(401, 'INVALID_SIGNATURE', verified.reason);
    const json = parseJsonBody(body);
    if (!json.ok) return refuse(400, json.code, json.message);
    const { text, value: parsed } = json;
    const obj = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    const eventType = headerValue(req, 'x-event-type') ?? (typeof obj?.type === 'string' && obj.type.trim() ? obj.type.trim() : undefined);
    if (!eventType) return refuse(400, 'MISSING_EVENT_TYPE', 'Name the event type in the x-event-type header or the body\'s "type" field');
    if (eventType.length > 255) return refuse(400, 'INVALID_EVENT_TYPE', 'The event type is longer than 255 characters');
    const idempotencyKey = headerValue(req, 'webhook-id') ?? headerValue(req, 'idempotency-key') ?? null;
    if (idempotencyKey && idempotencyKey.length > 255)
      return refuse(400, 'INVALID_IDEMPOTENCY_KEY', 'The idempotency key is longer than 255 characters');
    const row: NewEventRow = {
      id: newId(),
      integrationId: integration.id,
      eventType,
      source: 'SYSTEM',
      sourceRecordId: sourceRecordIdOf(obj),
      idempotencyKey,
      traceId: inboundTraceId(req.headers) ?? newTraceId(),
      isTest: false,
      receivedAt: new Date(),
      payloadJson: text,
    };
    const outcome = await traceStore(1, () => storeOrRefuse(ctx, [row]));
    if ('refusal' in outcome) return refuse(outcome.refusal.status, outcome.refusal.code, outcome.refusal.message, outcome.refusal.headers);
    const o = outcome.outcomes[0];
    if (o?.kind === 'created') {
      ctx.metrics.eventsAccepted.inc({ route: 'ingest' });
      return sendJson(res, 202, { id: encodeId('Event', o.id), status: 'RECEIVED', duplicate: false });
    }
    if (o?.kind === 'duplicate') return sendJson(res, 200, { id: encodeId('Event', o.id), status: o.status, duplicate: true });
    return refuse(410, 'DISCONNECTED', `Integration ${publicId} is disconnected and accepts no events`);
  };
}

/** The provider's own id of the record, when the body names one (`data.object.id`, `data.id` or `id`). */
function sourceRecordIdOf(obj: Record<string, unknown> | null): string | null {
  if (!obj) return null;
  const data = obj.data && typeof obj.data === 'object' ? (obj.data as Record<string, unknown>) : null;
  const object = data?.object && typeof data.object === 'object' ? (data.object as Record<string, unknown>) : null;
  for (const v of [object?.id, data?.id, obj.id]) {
    if ((typeof v === 'string' && v.length > 0 && v.length <= 255) || typeof v === 'number') return String(v);
  }
  return null;
}
