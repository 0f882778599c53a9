import type { Database } from '@switchboard/db';
import type { Router } from './router.ts';
import { sendJson } from './respond.ts';

export function addHealthRoutes(router: Router, db: Database): void {
  router.add('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  router.add('GET', '/readyz', async (_req, res) => {
    try {
      await Promise.race([
        db.orm.em.getConnection().execute('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
      sendJson(res, 200, { status: 'ready', database: db.kind });
    } catch {
      sendJson(
        res,
        503,
        { status: 'unavailable', database: db.kind, error: { code: 'DATABASE_UNAVAILABLE', message: 'The database is not reachable' } },
        { 'retry-after': '5' },
      );
    }
  });
}
