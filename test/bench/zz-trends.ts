import { openDatabase, trends } from '@switchboard/db';
import pg from 'pg';
const url = 'postgresql://postgres@127.0.0.1:5432/sbbench_api_10000000';
const c = new pg.Client({ connectionString: url }); await c.connect();
const ws = (await c.query('select id from workspace limit 1')).rows[0].id;
await c.end();
const db = await openDatabase({ databaseUrl: url, poolSize: 2, debug: process.argv[2] === 'debug' });
const now = new Date(); const from = new Date(now.getTime() - 30 * 86400_000);
for (const bucket of ['HOUR', 'DAY'] as const) {
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    const em = db.orm.em.fork();
    const t0 = performance.now();
    await trends(em, ws, { from, to: now }, bucket, 'Europe/Berlin', null);
    times.push(performance.now() - t0);
    if (process.argv[2] === 'debug') break;
  }
  times.sort((a, b) => a - b);
  console.log(bucket, 'p50', times[20]?.toFixed(1), 'p95', times[38]?.toFixed(1), 'min', times[0]?.toFixed(1));
}
await db.close();
