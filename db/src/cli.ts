#!/usr/bin/env node
// db command line: `migrate`, `create-migration [name]`, `down`.
import { parseArgs } from 'node:util';
import { openDatabase } from './database.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { blank: { type: 'boolean', default: false } },
});
const [command = 'migrate', name] = positionals;
const db = await openDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: process.env.SWITCHBOARD_DATA_DIR ? `${process.env.SWITCHBOARD_DATA_DIR}/pgdata` : undefined,
});
try {
  if (command === 'migrate') {
    const done = await db.orm.migrator.up();
    console.log(done.length ? `applied: ${done.map((m) => m.name).join(', ')}` : 'database is up to date');
  } else if (command === 'down') {
    const done = await db.orm.migrator.down();
    console.log(done.length ? `reverted: ${done.map((m) => m.name).join(', ')}` : 'nothing to revert');
  } else if (command === 'create-migration') {
    const res = await db.orm.migrator.create(undefined, values.blank, false, name);
    console.log(res.fileName ? `created ${res.fileName}` : 'no changes');
  } else {
    console.error(`unknown command "${command}" (migrate | down | create-migration [name])`);
    process.exitCode = 2;
  }
} finally {
  await db.close();
}
