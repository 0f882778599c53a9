// Configuration comes from the environment only, validated once at start with one clear message per bad value.
import { parseSecretKey } from '@switchboard/db';
import { z } from 'zod';
import { parseRateLimit, type RateLimitOptions } from './rate-limit.ts';

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', '']).transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

function isSecretKey(v: string): boolean {
  try {
    parseSecretKey(v);
    return true;
  } catch {
    return false;
  }
}
const secretKey = z.string().refine(isSecretKey, 'must be 32 bytes, as base64 or 64 hex characters (e.g. `openssl rand -base64 32`)');

const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .positive(`${what} must be greater than 0`);

const ConfigSchema = z
  .object({
    PORT: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be 0..65535')
      .max(65535, 'must be 0..65535')
      .default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL')
      .optional(),
    SWITCHBOARD_DATA_DIR: z.string().min(1).default('.switchboard'),
    REDIS_URL: z
      .string()
      .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL')
      .optional(),
    SWITCHBOARD_ROOT_KEY: z.string().min(24, 'must be at least 24 characters (it can create workspaces)').optional(),
    SWITCHBOARD_DEMO: bool.default(false),
    SWITCHBOARD_PAYLOAD_RETENTION_DAYS: positiveInt('payload retention').default(7),
    SWITCHBOARD_EVENT_RETENTION_DAYS: positiveInt('event retention').default(30),
    SWITCHBOARD_WORKER_CONCURRENCY: positiveInt('worker concurrency').default(256),
    SWITCHBOARD_WORKER: bool.default(true),
    /** The circuit breaker (DESIGN.md "Delivery protection"); 0 turns it off (every event is retried on its schedule). */
    SWITCHBOARD_CIRCUIT_BREAKER: bool.default(true),
    SWITCHBOARD_API: bool.default(true),
    /** Multiplies every retry delay: 0.001 turns 5 minutes into 0.3 s for tests. */
    SWITCHBOARD_TIME_SCALE: z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0').max(1000).default(1),
    SWITCHBOARD_MAX_BODY_BYTES: positiveInt('max body size').default(1024 * 1024),
    SWITCHBOARD_DB_POOL: positiveInt('pool size').default(10),
    /** Events claimed per worker round trip. */
    SWITCHBOARD_WORKER_BATCH: positiveInt('worker batch size').default(200),
    /** How often an idle worker looks for due events (it is also woken by every ingest commit). */
    SWITCHBOARD_WORKER_POLL_MS: positiveInt('worker poll interval').default(500),
    /** Outbound request timeout (connect + response), in milliseconds. */
    SWITCHBOARD_HTTP_TIMEOUT_MS: positiveInt('HTTP timeout').default(10_000),
    /** Request and response bodies are stored up to this many bytes. */
    SWITCHBOARD_STORED_BODY_BYTES: positiveInt('stored body size').default(16 * 1024),
    /** Consecutive 401/403 responses that move an integration to ERROR. */
    SWITCHBOARD_AUTH_FAILURE_THRESHOLD: positiveInt('auth failure threshold').default(5),
    /** Ingest group commit: rows per multi-row insert, and how many inserts may be in flight at once. */
    SWITCHBOARD_INGEST_BATCH: positiveInt('ingest batch size').default(1000),
    SWITCHBOARD_INGEST_WRITERS: positiveInt('ingest writers').default(2),
    /** An ingest request not committed within this many milliseconds answers 503 (database unreachable). */
    SWITCHBOARD_INGEST_TIMEOUT_MS: positiveInt('ingest timeout').default(5_000),
    /** Demo mode: events of generated history on first start, and live events per second. */
    SWITCHBOARD_DEMO_EVENTS: positiveInt('demo history size').default(100_000),
    /** How often the detectors look for incidents (milliseconds; 0 = never, this process does not detect). */
    SWITCHBOARD_INSIGHT_INTERVAL_MS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0).default(30_000),
    SWITCHBOARD_DEMO_RATE: z.coerce.number({ error: 'must be a number' }).positive('must be greater than 0').max(1000).default(3),
    /** Seconds an event may stay PROCESSING before it counts as stuck (its worker died) and is reclaimed. */
    SWITCHBOARD_STUCK_AFTER_SECONDS: positiveInt('stuck threshold').default(15 * 60),
    /** How long a worker's claim on an event lasts unless it renews it (it does, every third of this, while it works). */
    SWITCHBOARD_LEASE_SECONDS: positiveInt('lease duration').default(30),
    /** How often retention and stuck-event reclaim run, in seconds. */
    SWITCHBOARD_JOBS_INTERVAL_SECONDS: positiveInt('jobs interval').default(60),
    /** Bytes queued for one live socket before it is dropped as a consumer that stopped reading. */
    SWITCHBOARD_LIVE_MAX_BUFFER_BYTES: positiveInt('live buffer size').default(1024 * 1024),
    SWITCHBOARD_LIVE_STALL_MS: positiveInt('live stall limit').default(10_000),
    SWITCHBOARD_SETTINGS_CACHE_MS: positiveInt('settings cache time').default(1_000),
    SWITCHBOARD_WEB_DIR: z.string().optional(),
    /** Base URL as seen by providers (ingest URLs); defaults to the listening address. */
    SWITCHBOARD_PUBLIC_URL: z.url({ error: 'must be a URL such as https://switchboard.example.com' }).optional(),
    /** Per-API-key request limit on /graphql and the REST endpoints: "<per second>/<burst>"; "0" turns it off. */
    SWITCHBOARD_API_RATE_LIMIT: z
      .string()
      .default('50/200')
      .transform((v, ctx) => {
        try {
          return parseRateLimit(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    /** Seals credentials and signing secrets at rest (32 bytes, base64 or hex); see README "Secrets at rest". */
    SWITCHBOARD_SECRET_KEY: secretKey.optional(),
    /** Earlier keys, comma-separated: they still open what they sealed while everything is re-sealed with the new one. */
    SWITCHBOARD_SECRET_KEY_PREVIOUS: z
      .string()
      .refine((v) => v.split(',').every((k) => !k.trim() || isSecretKey(k)), 'every key must be 32 bytes, as base64 or 64 hex characters')
      .optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('switchboard'),
    OTEL_BSP_SCHEDULE_DELAY: z.coerce.number().int().min(1).optional(),
    OTEL_TRACES_SAMPLER: z.enum(['always_on', 'parentbased_always_on', 'traceidratio', 'parentbased_traceidratio']).optional(),
    OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
    NODE_ENV: z.string().default('production'),
    /** Set by loadConfig: NODE_ENV=production was given, not defaulted. */
    NODE_ENV_EXPLICIT: z.boolean().default(false),
  })
  .refine((c) => !c.DATABASE_URL || !c.NODE_ENV_EXPLICIT || c.SWITCHBOARD_SECRET_KEY, {
    path: ['SWITCHBOARD_SECRET_KEY'],
    message: 'is required in production (NODE_ENV=production with DATABASE_URL): every process sharing the database needs the same key',
  })
  .refine((c) => c.SWITCHBOARD_EVENT_RETENTION_DAYS >= c.SWITCHBOARD_PAYLOAD_RETENTION_DAYS, {
    path: ['SWITCHBOARD_EVENT_RETENTION_DAYS'],
    message: 'must be at least SWITCHBOARD_PAYLOAD_RETENTION_DAYS',
  });

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  rootKey: string | undefined;
  demo: boolean;
  payloadRetentionDays: number;
  eventRetentionDays: number;
  workerConcurrency: number;
  runWorker: boolean;
  circuitBreaker: boolean;
  runApi: boolean;
  timeScale: number;
  maxBodyBytes: number;
  dbPoolSize: number;
  workerBatchSize: number;
  workerPollMs: number;
  httpTimeoutMs: number;
  storedBodyBytes: number;
  authFailureThreshold: number;
  ingestBatchSize: number;
  ingestWriters: number;
  ingestTimeoutMs: number;
  stuckAfterMs: number;
  leaseMs: number;
  demoEvents: number;
  demoRate: number;
  jobsIntervalMs: number;
  insightIntervalMs: number;
  webDir: string | undefined;
  liveMaxBufferBytes: number;
  liveStallMs: number;
  /** How long API keys and integration settings read from the database are reused (changes invalidate them at once). */
  settingsCacheMs: number;
  publicUrl: string | undefined;
  /** null: no per-key request limit. */
  apiRateLimit: RateLimitOptions | null;
  logLevel: string;
  /** Unset: pretty at a terminal, JSON lines otherwise (server/src/log-pretty.ts). */
  logFormat: 'json' | 'pretty' | undefined;
  /** OpenTelemetry export (server/src/tracing.ts): off unless an OTLP endpoint is set. */
  tracing: {
    endpoint: string | undefined;
    tracesEndpoint: string | undefined;
    serviceName: string;
    scheduleDelayMs: number | undefined;
    sampler: 'always_on' | 'parentbased_always_on' | 'traceidratio' | 'parentbased_traceidratio' | undefined;
    samplerRatio: number | undefined;
  };
  development: boolean;
  secretKey: string | undefined;
  previousSecretKeys: string | undefined;
}

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Reads the configuration from `env`; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse({ ...present, NODE_ENV_EXPLICIT: present.NODE_ENV === 'production' });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? 'config');
        const got = present[key];
        const shown = got === undefined ? '' : ` (got ${/KEY|URL/.test(key) ? 'a value' : JSON.stringify(got)})`;
        return `${key}: ${issue.message}${shown}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir: c.SWITCHBOARD_DATA_DIR,
    redisUrl: c.REDIS_URL,
    rootKey: c.SWITCHBOARD_ROOT_KEY,
    demo: c.SWITCHBOARD_DEMO,
    payloadRetentionDays: c.SWITCHBOARD_PAYLOAD_RETENTION_DAYS,
    eventRetentionDays: c.SWITCHBOARD_EVENT_RETENTION_DAYS,
    workerConcurrency: c.SWITCHBOARD_WORKER_CONCURRENCY,
    runWorker: c.SWITCHBOARD_WORKER,
    circuitBreaker: c.SWITCHBOARD_CIRCUIT_BREAKER,
    runApi: c.SWITCHBOARD_API,
    timeScale: c.SWITCHBOARD_TIME_SCALE,
    maxBodyBytes: c.SWITCHBOARD_MAX_BODY_BYTES,
    dbPoolSize: c.SWITCHBOARD_DB_POOL,
    workerBatchSize: c.SWITCHBOARD_WORKER_BATCH,
    workerPollMs: c.SWITCHBOARD_WORKER_POLL_MS,
    httpTimeoutMs: c.SWITCHBOARD_HTTP_TIMEOUT_MS,
    storedBodyBytes: c.SWITCHBOARD_STORED_BODY_BYTES,
    authFailureThreshold: c.SWITCHBOARD_AUTH_FAILURE_THRESHOLD,
    ingestBatchSize: c.SWITCHBOARD_INGEST_BATCH,
    ingestWriters: c.SWITCHBOARD_INGEST_WRITERS,
    ingestTimeoutMs: c.SWITCHBOARD_INGEST_TIMEOUT_MS,
    stuckAfterMs: c.SWITCHBOARD_STUCK_AFTER_SECONDS * 1000,
    leaseMs: c.SWITCHBOARD_LEASE_SECONDS * 1000,
    demoEvents: c.SWITCHBOARD_DEMO_EVENTS,
    demoRate: c.SWITCHBOARD_DEMO_RATE,
    jobsIntervalMs: c.SWITCHBOARD_JOBS_INTERVAL_SECONDS * 1000,
    insightIntervalMs: c.SWITCHBOARD_INSIGHT_INTERVAL_MS,
    webDir: c.SWITCHBOARD_WEB_DIR,
    liveMaxBufferBytes: c.SWITCHBOARD_LIVE_MAX_BUFFER_BYTES,
    liveStallMs: c.SWITCHBOARD_LIVE_STALL_MS,
    settingsCacheMs: c.SWITCHBOARD_SETTINGS_CACHE_MS,
    publicUrl: c.SWITCHBOARD_PUBLIC_URL?.replace(/\/$/, ''),
    apiRateLimit: c.SWITCHBOARD_API_RATE_LIMIT,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
    tracing: {
      endpoint: c.OTEL_EXPORTER_OTLP_ENDPOINT,
      tracesEndpoint: c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
      serviceName: c.OTEL_SERVICE_NAME,
      scheduleDelayMs: c.OTEL_BSP_SCHEDULE_DELAY,
      sampler: c.OTEL_TRACES_SAMPLER,
      samplerRatio: c.OTEL_TRACES_SAMPLER_ARG,
    },
    development: c.NODE_ENV === 'development',
    secretKey: c.SWITCHBOARD_SECRET_KEY,
    previousSecretKeys: c.SWITCHBOARD_SECRET_KEY_PREVIOUS,
  };
}
