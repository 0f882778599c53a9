#!/usr/bin/env node
// Writes schema/schema.graphql from the Pothos schema (`pnpm schema:print`).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { printSchemaSdl } from './index.ts';

const out = path.join(import.meta.dirname, '..', 'schema.graphql');
writeFileSync(out, printSchemaSdl());
console.log(`wrote ${path.relative(process.cwd(), out)}`);
