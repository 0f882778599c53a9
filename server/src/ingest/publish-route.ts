// POST /v1/events — the workspace's own application publishes an event; it fans out to every
// subscribed, not-disconnected outbound integration, one event each, all in one statement (one transaction).
import { type ApiScope, AppError, encodeId, newId, newTraceId, type NewEventRow } from '@switchboard/db';
import { presentedKey } from '../auth.ts';
import type { Handler } from '../http/router.ts';
import { inboundTraceId, traceStore } from '../tracing.ts';
import { sendCaught, sendError, sendJson } from '../http/respond.ts';
import { BodyTooLargeError, isJsonContentType, readBody } from './body.ts';
import { parseJsonBody } from './json-guard.ts';
import { type IngestContext, refusal, storeOrRefuse, withDeadline } from './ingest-context.ts';

const PUBLISH_SCOPES: readonly ApiScope[] = ['INGEST', 'ADMIN'];

export function publishHandler(ctx: IngestContext): Handler {
  return async (req, res) => {
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      ctx.metrics.ingestRefusals.inc({ code });
      if (!req.complete) {
        res.setHeader('connection', 'close');
        req.resume();
      }
      sendError(res, status, code, message, headers);
    };
    let workspaceId: string;
    try {
      const viewer = await withDeadline(ctx, ctx.auth.resolve(presentedKey(req.headers)));
      if (!viewer) return refuse(401, 'UNAUTHENTICATED', 'A valid API key is required');
      if (viewer.kind !== 'key')
        return refuse(403, 'FORBIDDEN', 'The root key can only create workspaces; use a workspace key with the INGEST scope');
      if (!viewer.scopes.some((s) => PUBLISH_SCOPES.includes(s)))
        return refuse(403, 'FORBIDDEN', 'Publishing events needs the INGEST scope');
      workspaceId = viewer.workspaceId;
    } catch (err) {
      if (err instanceof AppError) {
        ctx.metrics.ingestRefusals.inc({ code: err.code });
        req.resume();
        return sendCaught(res, err);
      }
      const r = refusal(ctx, err);
      return refuse(r.status, r.code, r.message, r.headers);
    }
    if (!isJsonContentType(req.headers['content-type']))
      return refuse(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with Content-Type: application/json');
    let body: Buffer;
    try {
      body = await readBody(req, ctx.config.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        return refuse(413, 'PAYLOAD_TOO_LARGE', `The body is over the ${ctx.config.maxBodyBytes}-byte limit`);
      throw err;
    }
    const json = parseJsonBody(body);
    if (!json.ok && json.code !== 'INVALID_JSON') return refuse(400, json.code, json.message);
    const parsed = json.ok ? json.value : null;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      return refuse(400, 'INVALID_JSON', 'The body must be a JSON object {eventType, payload, idempotencyKey?, sourceRecordId?, source?}');
    const input = parsed as Record<string, unknown>;
    const { eventType, payload, idempotencyKey, sourceRecordId, source } = input;
    if (typeof eventType !== 'string' || !eventType.trim() || eventType.length > 255) {
      return refuse(400, 'MISSING_EVENT_TYPE', 'eventType must be a non-empty string of at most 255 characters');
    }
    // switchboard.* types are Switchboard's own (incident notifications): an application may not publish
    // them, or it could fake notifications to every channel that takes them.
    if (eventType.trim().toLowerCase().startsWith('switchboard.'))
      return refuse(400, 'RESERVED_EVENT_TYPE', 'Event types starting with "switchboard." are reserved for Switchboard itself');
    if (payload === undefined) return refuse(400, 'BAD_USER_INPUT', 'payload is required (any JSON value)');
    for (const [name, v] of [
      ['idempotencyKey', idempotencyKey],
      ['sourceRecordId', sourceRecordId],
    ] as const) {
      if (v !== undefined && v !== null && (typeof v !== 'string' || v.length > 255)) {
        return refuse(400, 'BAD_USER_INPUT', `${name} must be a string of at most 255 characters`);
      }
    }
    if (source !== undefined && source !== 'USER' && source !== 'SYSTEM')
      return refuse(400, 'BAD_USER_INPUT', 'source must be USER or SYSTEM');
    let targets: Array<{ id: string }>;
    try {
      targets = await withDeadline(ctx, ctx.fanOut.get(workspaceId, eventType.trim()));
    } catch (err) {
      const r = refusal(ctx, err);
      return refuse(r.status, r.code, r.message, r.headers);
    }
    const payloadJson = JSON.stringify(payload);
    const receivedAt = new Date();
    const traceId = inboundTraceId(req.headers) ?? newTraceId();
    const rows: NewEventRow[] = targets.map((t) => ({
      id: newId(),
      integrationId: t.id,
      eventType: eventType.trim(),
      source: (source as 'USER' | 'SYSTEM' | undefined) ?? 'USER',
      sourceRecordId: (sourceRecordId as string | undefined) ?? null,
      idempotencyKey: (idempotencyKey as string | undefined) ?? null,
      traceId,
      isTest: false,
      receivedAt,
      payloadJson,
    }));
    if (rows.length === 0) return sendJson(res, 202, { events: [] });
    const outcome = await traceStore(rows.length, () => storeOrRefuse(ctx, rows));
    if ('refusal' in outcome) return refuse(outcome.refusal.status, outcome.refusal.code, outcome.refusal.message, outcome.refusal.headers);
    const events: Array<{ id: string; integrationId: string; duplicate: boolean }> = [];
    outcome.outcomes.forEach((o, i) => {
      const integrationId = encodeId('Integration', (rows[i] as NewEventRow).integrationId);
      if (o.kind === 'created') events.push({ id: encodeId('Event', o.id), integrationId, duplicate: false });
      else if (o.kind === 'duplicate') events.push({ id: encodeId('Event', o.id), integrationId, duplicate: true });
    });
    const created = events.filter((e) => !e.duplicate).length;
    if (created > 0) ctx.metrics.eventsAccepted.inc({ route: 'publish' }, created);
    sendJson(res, 202, { events });
  };
}
