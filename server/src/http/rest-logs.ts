// GET /v1/webhooks/:integrationId/logs — the sales-tool seed's REST shape over delivery attempts:
// x-api-key (or Bearer) auth with READ scope, page/limit paging, sort by createdAt either way.
import type { ServerResponse } from 'node:http';
import {
  AppError,
  attemptLogPage,
  BadInputError,
  type Database,
  decodeIdOf,
  encodeId,
  findIntegration,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
} from '@switchboard/db';
import { type Authenticator, presentedKey } from '../auth.ts';
import type { Config } from '../config.ts';
import { rateLimiterFor, rateLimitKey } from '../rate-limit.ts';
import { sendCaught, sendJson } from './respond.ts';
import type { Router } from './router.ts';

export const LOGS_DEFAULT_LIMIT = 10;
export const LOGS_MAX_LIMIT = 100;

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new BadInputError(`${name} must be a whole number (got "${raw}")`);
  const n = Number(raw);
  if (n < min || n > max) throw new BadInputError(`${name} must be between ${min} and ${max} (got ${n})`);
  return n;
}

function parseBody(body: string | null): unknown {
  if (body == null) return null;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export function addRestLogRoutes(router: Router, db: Database, config: Config, auth: Authenticator): void {
  const limiter = rateLimiterFor(config);
  router.add(
    'GET',
    '/v1/webhooks/:integrationId/logs',
    async (req, res: ServerResponse, params, url) => {
      try {
        const em = db.orm.em.fork();
        const viewer = await auth.resolve(presentedKey(req.headers));
        if (!viewer) throw new UnauthenticatedError('Send an API key in the x-api-key header');
        if (limiter) limiter.take(rateLimitKey(viewer));
        if (viewer.kind !== 'key') throw new ForbiddenError('The root key has no workspace; use a workspace API key');
        if (!viewer.scopes.includes('READ') && !viewer.scopes.includes('ADMIN'))
          throw new ForbiddenError('This API key lacks the READ scope');
        const limit = intParam(url, 'limit', LOGS_DEFAULT_LIMIT, 1, LOGS_MAX_LIMIT);
        const page = intParam(url, 'page', 1, 1, 1_000_000);
        const sort = url.searchParams.get('sort') || '-createdAt';
        if (sort !== '-createdAt' && sort !== 'createdAt')
          throw new BadInputError(`sort must be "-createdAt" or "createdAt" (got "${sort}")`);
        const rowId = decodeIdOf('Integration', params.integrationId ?? '');
        const integration = rowId ? await findIntegration(em, viewer.workspaceId, rowId) : null;
        if (!integration) throw new NotFoundError('Webhook', params.integrationId);
        const { rows, total } = await attemptLogPage(em, integration.id, {
          limit,
          offset: (page - 1) * limit,
          ascending: sort === 'createdAt',
        });
        sendJson(res, 200, {
          data: rows.map((a) => ({
            _id: encodeId('DeliveryAttempt', a.id),
            event: a.eventType,
            status: a.succeeded ? 'success' : 'failed',
            request: { body: parseBody(a.requestBody) },
            response: { code: a.responseStatus, body: parseBody(a.responseBody) },
            responseTime: a.durationMs,
            createdAt: a.startedAt.toISOString(),
          })),
          pagination: { total, page, limit, pages: Math.ceil(total / limit) },
        });
      } catch (err) {
        // Unexpected errors go up to the app's handler, which logs them and answers a masked 500.
        if (!(err instanceof AppError)) throw err;
        sendCaught(res, err);
      }
    },
    '/v1/webhooks/:integrationId/logs',
  );
}
