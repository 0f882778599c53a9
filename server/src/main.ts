#!/usr/bin/env node
// Entry point: read the configuration, build the app, listen, stop cleanly on SIGINT/SIGTERM.
import { getHeapSpaceStatistics } from 'node:v8';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { logFormatFor } from './log-pretty.ts';
import { createLogger } from './logger.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const logger = createLogger(config.logLevel, undefined, logFormatFor(config.logFormat, Boolean(process.stdout.isTTY)));
const app = await buildApp(config, { logger });
await app.start();

// Diagnostics: SWITCHBOARD_MEMORY_LOG_MS=1000 writes process.memoryUsage() and V8's heap spaces
// (reserved/used, MB) to stderr at that interval.
const memoryLogMs = Number(process.env.SWITCHBOARD_MEMORY_LOG_MS ?? 0);
if (memoryLogMs > 0) {
  const mb = (n: number) => Math.round(n / 1048576);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(
      `memory: rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)} | ${getHeapSpaceStatistics()
        .filter((x) => x.space_size > 0)
        .map((x) => `${x.space_name.replace('_space', '')} ${mb(x.space_size)}/${mb(x.space_used_size)}`)
        .join(' ')}\n`,
    );
  }, memoryLogMs).unref();
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
