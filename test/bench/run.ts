#!/usr/bin/env node
// `pnpm bench`: runs every benchmark in this folder one after another (they share the machine's
// cores, so never in parallel) against the machine's PostgreSQL, and prints each one's summary.
// Pass names to run some: `pnpm bench live ingest`. Extra flags go to every benchmark after `--`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const args = process.argv.slice(2);
const split = args.indexOf('--');
const names = split === -1 ? args : args.slice(0, split);
const extra = split === -1 ? [] : args.slice(split + 1);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const chosen = names.length ? all.filter((f) => names.some((n) => f.startsWith(n))) : all;
if (chosen.length === 0) {
  console.error(`no benchmark matches ${names.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const file of chosen) {
  console.log(`\n== ${file} ==`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(here, file), ...extra], { stdio: 'inherit' });
  console.log(`== ${file}: ${r.status === 0 ? 'done' : `failed (exit ${r.status})`} in ${((Date.now() - started) / 1000).toFixed(0)} s ==`);
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
