import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

// Printed in a plain Node process: under vitest, Pothos (loaded natively) and this file (transformed)
// would see two copies of graphql and refuse to mix their types.
it('schema/schema.graphql is up to date (run `pnpm schema:print` after changing the schema)', () => {
  const dir = path.join(import.meta.dirname, '..');
  const printed = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', "import { printSchemaSdl } from './src/index.ts'; process.stdout.write(printSchemaSdl());"],
    { cwd: dir, encoding: 'utf8' },
  );
  const checkedIn = readFileSync(path.join(dir, 'schema.graphql'), 'utf8');
  expect(printed.length).toBeGreaterThan(1000);
  expect(printed === checkedIn, 'schema/schema.graphql is stale: run `node schema/src/print.ts`').toBe(true);
});
