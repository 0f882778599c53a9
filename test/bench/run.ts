#!/usr/bin/env node
// `pnpm bench`: runs every benchmark in this folder one after another (they share the machine's
// cores, so never in parallel) against the machine's PostgreSQL, prints each one's summary, and writes
// every figure with its same-run baseline to test/bench/results.json (each benchmark prints one
// `BENCH_RESULT {json}` line, collected here). Pass names to run some: `pnpm bench live ingest`. Extra
// flags go to every benchmark after `--`. `--quick`: smaller sizes and shorter phases for every
// benchmark (under 3 minutes in all: a check that they run, not a measurement to quote). `--readme`:
// after a full run of every benchmark, regenerate the README's performance table from results.json.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { RESULT_PREFIX } from './bench-util.ts';

/** Each benchmark's `--quick` arguments (given first, so flags after `--` still override them). */
const QUICK: Record<string, string[]> = {
  'api.bench.ts': ['--events', '30000', '--runs', '10'],
  'delivery.bench.ts': ['--events', '3000', '--baseline-seconds', '2'],
  'ingest.bench.ts': ['--seconds', '2', '--rate', '1000'],
  'live.bench.ts': ['--subscribers', '100', '--rate', '500', '--seconds', '4', '--idle-seconds', '2'],
};

const here = import.meta.dirname;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const readme = argv.includes('--readme');
const args = argv.filter((a) => a !== '--quick' && a !== '--readme');
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

function run(file: string, fileArgs: string[]): Promise<{ status: number | null; results: unknown[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(here, file), ...fileArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
    const results: unknown[] = [];
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith(RESULT_PREFIX)) results.push(JSON.parse(line.slice(RESULT_PREFIX.length)));
      else console.log(line);
    });
    child.on('close', (status) => resolve({ status, results }));
  });
}

const gitCommit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
})();
const startedAt = new Date();
const runs: Array<{ file: string; args: string[]; status: number | null; seconds: number; results: unknown[] }> = [];
let failed = 0;
for (const file of chosen) {
  const fileArgs = [...(quick ? (QUICK[file] ?? []) : []), ...extra];
  console.log(`\n== ${file}${fileArgs.length ? ` ${fileArgs.join(' ')}` : ''} ==`);
  const started = Date.now();
  const { status, results } = await run(file, fileArgs);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`== ${file}: ${status === 0 ? 'done' : `failed (exit ${status})`} in ${seconds} s ==`);
  runs.push({ file, args: fileArgs, status, seconds, results });
  if (status !== 0) failed++;
}
const out = path.join(here, 'results.json');
writeFileSync(
  out,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
      quick,
      commit: gitCommit,
      machine: { cpus: cpus().length, loadAverage: loadavg().map((l) => Number(l.toFixed(2))), node: process.version },
      // Ratios are value ÷ baseline; the machine is shared and noisy, so compare these rather than raw figures.
      benches: runs.map((r) => ({
        ...r,
        results: r.results.map((res) => {
          const x = res as { figures: Array<{ value: number | null; baseline?: { value: number | null } }> };
          return {
            ...x,
            figures: x.figures.map((f) => ({
              ...f,
              ...(f.baseline && f.value !== null && f.baseline.value ? { ratio: Number((f.value / f.baseline.value).toFixed(3)) } : {}),
            })),
          };
        }),
      })),
    },
    null,
    2,
  )}\n`,
);
console.log(`\nresults: ${path.relative(process.cwd(), out)}${quick ? ' (quick run)' : ''}`);
if (readme) {
  if (quick || chosen.length !== all.length || failed)
    console.error('--readme: only a full, successful run of every benchmark updates the README');
  else execFileSync(process.execPath, [path.join(here, 'readme-table.ts'), out], { stdio: 'inherit' });
}
process.exitCode = failed ? 1 : 0;
