#!/usr/bin/env node
// `pnpm db:seed -- --events 1000000 [--workspace <uuid>] [--days 30] [--seed 42]`: fills a workspace with generated history.
import { parseArgs } from 'node:util';
import { migrate, openDatabase } from '../database.ts';
import { sealStoredSecrets } from '../secrets/seal-stored.ts';
import { loadSecretBox } from '../secrets/secret-box.ts';
import { generateDemoData } from './generate.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    workspace: { type: 'string' },
    days: { type: 'string', default: '30' },
    seed: { type: 'string', default: '42' },
  },
});
const events = Number(values.events);
if (!Number.isInteger(events) || events < 1) {
  console.error(`--events must be a positive whole number (got "${values.events}")`);
  process.exit(2);
}
const dataDir = process.env.SWITCHBOARD_DATA_DIR ?? '.switchboard';
const db = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  secrets: loadSecretBox({ key: process.env.SWITCHBOARD_SECRET_KEY, previous: process.env.SWITCHBOARD_SECRET_KEY_PREVIOUS, dataDir }).box,
  dataDir: `${process.env.SWITCHBOARD_DATA_DIR ?? '.switchboard'}/pgdata`,
  poolSize: 2,
});
try {
  await migrate(db.orm);
  const r = await generateDemoData({
    url: db.url,
    workspaceId: values.workspace,
    events,
    days: Number(values.days),
    seed: Number(values.seed),
    progress: true,
  });
  // The generator writes integrations with plain SQL: seal their secrets as the server would.
  await sealStoredSecrets(db.orm.em.fork());
  const rate = Math.round(r.events / (r.ms / 1000));
  console.log(`workspace ${r.workspaceId}: ${r.events} events, ${r.attempts} attempts in ${(r.ms / 1000).toFixed(1)} s (${rate} events/s)`);
} finally {
  await db.close();
}
