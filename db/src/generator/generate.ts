// Fills a workspace with N events spread over the last D days: the five integration types, providers
// of every class, retries, rate-limit headers, the catalog's error codes in plausible proportions,
// incidents (an integration failing hard for a couple of hours), expired payloads, and in-flight work.
// Writes in bulk (multi-row inserts from unnest arrays, one batch per round trip, the next batch built
// while the previous one is in flight) and keeps the hourly rollups exact (counted by the one rule of
// rollup/rollup-rule.ts). Deterministic for a seed.
import { randomBytes } from 'node:crypto';
import { SingleBar } from 'cli-progress';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { isRetryableCode, lookupErrorCode } from '../catalog/error-codes.ts';
import { DEFAULT_RETRY_SCHEDULE, type EventStatus, directionOf, type IntegrationType, providerClassOf } from '../domain.ts';
import { DEMO_INTEGRATIONS, type IntegrationProfile, RATE_LIMIT_HEADER_RATE, RECOVERED_AFTER_RETRY_RATE } from './profile.ts';
import { RollupCounter, writeRollupCounts } from '../rollup/rollup-rule.ts';
import { createRng, type Rng } from './rng.ts';
import { ENSURE_PARTITIONS_SQL } from '../event/partitions.ts';

export interface GenerateOptions {
  /** Any PostgreSQL URL (the embedded database's loopback URL included). */
  url: string;
  /** An existing workspace; without it a workspace named `workspaceName` is created. */
  workspaceId?: string;
  workspaceName?: string;
  timezone?: string;
  events: number;
  days?: number;
  now?: Date;
  seed?: number;
  /** Base URL of the destinations of created integrations (the demo's simulated providers). */
  destinationBaseUrl?: string;
  batchSize?: number;
  /** Connections used (2: one batch in flight while the next is built); 1 for the embedded database. */
  connections?: number;
  /** true: a progress bar on a TTY (a line per 10% otherwise); a function: called after each batch. */
  progress?: boolean | ((done: number, total: number) => void);
}

export interface GeneratedIntegration {
  id: string;
  name: string;
  type: IntegrationType;
  provider: string;
}

export interface GenerateResult {
  workspaceId: string;
  integrations: GeneratedIntegration[];
  events: number;
  attempts: number;
  ms: number;
}

interface LiveIntegration extends GeneratedIntegration {
  profile: IntegrationProfile;
  schedule: number[];
  lastEventAt: number;
  lastFailureAt: number;
  consecutiveFailures: number;
}

interface Incident {
  integration: number;
  from: number;
  to: number;
  code: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const PAYLOAD_DAYS = 7;
/** Hour-of-day weights (UTC): quiet nights, busy working hours. */
const HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 12, 11, 12, 12, 11, 10, 9, 8, 6, 5, 4, 3, 2];

export async function generateDemoData(opts: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const rng = createRng(opts.seed ?? 42);
  const now = opts.now ?? new Date();
  const days = opts.days ?? 30;
  const batchSize = opts.batchSize ?? 5000;
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.connections ?? 2 });
  try {
    const workspaceId = opts.workspaceId ?? (await createWorkspaceRow(pool, opts.workspaceName ?? 'Demo', opts.timezone ?? 'UTC'));
    const integrations = await ensureIntegrations(pool, workspaceId, opts.destinationBaseUrl ?? 'http://127.0.0.1:9/demo', now, days);
    // Every day of the history gets its partition before rows arrive (not the default partition).
    await pool.query(ENSURE_PARTITIONS_SQL, [
      new Date(now.getTime() - (days + 1) * 86_400_000).toISOString().slice(0, 10),
      new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10),
    ]);
    const incidents = planIncidents(rng, integrations, now.getTime(), days);
    const totalWeight = integrations.reduce((s, i) => s + i.profile.weight, 0);
    const rollups = new RollupCounter();
    const report = progressReporter(opts.progress, opts.events);

    // Two batches in flight (one per pooled connection) while the next one is built: on two cores the
    // database and this process both stay busy.
    let attempts = 0;
    let written = 0;
    const inFlight = new Set<Promise<void>>();
    for (let built = 0; built < opts.events; ) {
      const n = Math.min(batchSize, opts.events - built);
      const batch = buildBatch(rng, n, built, integrations, totalWeight, incidents, now.getTime(), days, workspaceId, rollups);
      attempts += batch.attempts.id.length;
      built += n;
      if (inFlight.size >= (opts.connections ?? 2)) await Promise.race(inFlight);
      const p: Promise<void> = insertBatch(pool, batch).then(() => {
        inFlight.delete(p);
        written += n;
        report(written);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    await writeRollupCounts(pool, workspaceId, rollups);
    await updateIntegrationHealth(pool, integrations);
    report(opts.events, true);
    return {
      workspaceId,
      integrations: integrations.map(({ id, name, type, provider }) => ({ id, name, type, provider })),
      events: opts.events,
      attempts,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await pool.end();
  }
}

async function createWorkspaceRow(pool: pg.Pool, name: string, timezone: string): Promise<string> {
  const id = uuidv7();
  await pool.query('insert into workspace (id, name, timezone, created_at) values ($1, $2, $3, now())', [id, name, timezone]);
  return id;
}

/** The workspace's integrations; the demo set is created when it has none. */
async function ensureIntegrations(
  pool: pg.Pool,
  workspaceId: string,
  baseUrl: string,
  now: Date,
  days: number,
): Promise<LiveIntegration[]> {
  const existing = await pool.query<{ id: string; name: string; type: IntegrationType; provider: string; retry_schedule: number[] }>(
    'select id, name, type, provider, retry_schedule from integration where workspace_id = $1 order by installed_at, id',
    [workspaceId],
  );
  if (existing.rows.length > 0) {
    return existing.rows.map((r, i) => {
      const profile =
        DEMO_INTEGRATIONS.find((p) => p.name === r.name) ??
        ({
          ...(DEMO_INTEGRATIONS[i % DEMO_INTEGRATIONS.length] as IntegrationProfile),
          name: r.name,
          type: r.type,
        } satisfies IntegrationProfile);
      return live({ id: r.id, name: r.name, type: r.type, provider: r.provider }, profile, r.retry_schedule);
    });
  }
  const installedAt = new Date(now.getTime() - (days + 5) * DAY);
  const out: LiveIntegration[] = [];
  for (const p of DEMO_INTEGRATIONS) {
    const id = uuidv7();
    const destination = `${baseUrl.replace(/\/$/, '')}/${p.provider}${p.path}`;
    await pool.query(
      `insert into integration (id, workspace_id, name, type, provider, provider_class, direction, environment, owner, state,
         installed_at, updated_at, destination_url, destination_method, credentials, signing_secret, signature_scheme,
         subscribed_event_types, field_mapping, service, flow, retry_schedule)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'ACTIVE', $10, $10, $11, 'POST', $12, $13, 'STANDARD_WEBHOOKS', $14, $15, $16, $17, $18)`,
      [
        id,
        workspaceId,
        p.name,
        p.type,
        p.provider,
        providerClassOf(p.provider),
        directionOf(p.type),
        p.environment,
        p.owner,
        installedAt,
        destination,
        JSON.stringify({ apiKey: `demo_${randomBytes(12).toString('hex')}` }),
        `whsec_${randomBytes(24).toString('base64')}`,
        p.eventTypes,
        JSON.stringify({ id: '$.id', type: '$.type', data: '$.data' }),
        p.service,
        p.flow,
        JSON.stringify(DEFAULT_RETRY_SCHEDULE),
      ],
    );
    await pool.query(
      `insert into integration_state_change (id, integration_id, "from", "to", reason, actor, at) values ($1, $2, null, 'ACTIVE', 'installed', $3, $4)`,
      [uuidv7(), id, p.owner, installedAt],
    );
    out.push(live({ id, name: p.name, type: p.type, provider: p.provider }, p, [...DEFAULT_RETRY_SCHEDULE]));
  }
  return out;
}

function live(base: GeneratedIntegration, profile: IntegrationProfile, schedule: number[]): LiveIntegration {
  return { ...base, profile, schedule, lastEventAt: 0, lastFailureAt: 0, consecutiveFailures: 0 };
}

/**
 * A few incidents: one integration failing most of its events with one code for 1–3 hours. And a
 * recurring one: the first integration (the busiest) fails 09:00–09:25 UTC on each of the last six
 * days — a provider's daily maintenance window, for the RECURRING_DAILY detector to find.
 */
function planIncidents(rng: Rng, integrations: LiveIntegration[], now: number, days: number): Incident[] {
  const count = Math.max(1, Math.round(days / 7));
  const codes = ['503', '500', '429', '401', 'TIMEOUT', '502'];
  const today = Math.floor(now / DAY) * DAY;
  const daily: Incident[] =
    days >= 7 && integrations.length > 0
      ? [1, 2, 3, 4, 5, 6].map((d) => ({
          integration: 0,
          from: today - d * DAY + 9 * HOUR,
          to: today - d * DAY + 9 * HOUR + 25 * 60_000,
          code: '503',
        }))
      : [];
  return [...daily, ...planRandomIncidents(rng, integrations, now, days, count, codes)];
}

function planRandomIncidents(
  rng: Rng,
  integrations: LiveIntegration[],
  now: number,
  days: number,
  count: number,
  codes: string[],
): Incident[] {
  return Array.from({ length: count }, () => {
    const from = now - rng.int(2 * HOUR, days * DAY - 3 * HOUR);
    return {
      integration: rng.int(0, integrations.length - 1),
      from,
      to: from + rng.int(1 * HOUR, 3 * HOUR),
      code: rng.pick(codes),
    };
  });
}

interface Batch {
  events: Record<
    | 'id'
    | 'integration_id'
    | 'integration_type'
    | 'event_type'
    | 'status'
    | 'source'
    | 'source_record_id'
    | 'destination_record_id'
    | 'idempotency_key'
    | 'trace_id'
    | 'received_at'
    | 'updated_at'
    | 'delivered_at'
    | 'next_attempt_at'
    | 'processing_started_at'
    | 'error_code'
    | 'error_message'
    | 'payload'
    | 'status_history',
    (string | null)[]
  > & { attempt_count: number[]; payload_expired: boolean[] };
  workspaceId: string;
  attempts: Record<
    | 'id'
    | 'event_id'
    | 'integration_id'
    | 'event_type'
    | 'source'
    | 'started_at'
    | 'request_method'
    | 'request_url'
    | 'request_headers'
    | 'request_body'
    | 'response_headers'
    | 'response_body'
    | 'error_code'
    | 'error_message'
    | 'rate_limit',
    (string | null)[]
  > & { attempt_number: number[]; duration_ms: (number | null)[]; response_status: (number | null)[]; succeeded: boolean[] };
}

function emptyBatch(workspaceId: string): Batch {
  const cols = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, []])) as unknown as Record<K, never[]>;
  return {
    workspaceId,
    events: {
      ...cols([
        'id',
        'integration_id',
        'integration_type',
        'event_type',
        'status',
        'source',
        'source_record_id',
        'destination_record_id',
        'idempotency_key',
        'trace_id',
        'received_at',
        'updated_at',
        'delivered_at',
        'next_attempt_at',
        'processing_started_at',
        'error_code',
        'error_message',
        'payload',
        'status_history',
      ] as const),
      attempt_count: [],
      payload_expired: [],
    },
    attempts: {
      ...cols([
        'id',
        'event_id',
        'integration_id',
        'event_type',
        'source',
        'started_at',
        'request_method',
        'request_url',
        'request_headers',
        'request_body',
        'response_headers',
        'response_body',
        'error_code',
        'error_message',
        'rate_limit',
      ] as const),
      attempt_number: [],
      duration_ms: [],
      response_status: [],
      succeeded: [],
    },
  };
}

function sampleTime(rng: Rng, now: number, days: number): number {
  // Pick a day (weekends a little quieter), then an hour by weight, then a uniform offset.
  for (;;) {
    const dayStart = Math.floor(now / DAY) * DAY - rng.int(0, days) * DAY;
    const weekday = new Date(dayStart).getUTCDay();
    if ((weekday === 0 || weekday === 6) && rng.next() < 0.35) continue;
    const hour = rng.weighted(HOUR_WEIGHTS);
    const t = dayStart + hour * HOUR + Math.floor(rng.next() * HOUR);
    if (t < now && t >= now - days * DAY) return t;
  }
}

function buildBatch(
  rng: Rng,
  n: number,
  offset: number,
  integrations: LiveIntegration[],
  totalWeight: number,
  incidents: Incident[],
  now: number,
  days: number,
  workspaceId: string,
  rollups: RollupCounter,
): Batch {
  const b = emptyBatch(workspaceId);
  const weights = integrations.map((i) => i.profile.weight / totalWeight);
  for (let k = 0; k < n; k++) {
    const seq = offset + k;
    const idx = rng.weighted(weights);
    const integ = integrations[idx] as LiveIntegration;
    const p = integ.profile;
    const t = sampleTime(rng, now, days);
    const age = now - t;
    const eventType = rng.pick(p.eventTypes);
    const id = uuidv7({ msecs: t, seq: seq & 0xfff });
    const inbound = p.type === 'INBOUND_WEBHOOK';
    const source = rng.next() < 0.3 ? 'USER' : 'SYSTEM';
    const sourceRecordId = `${p.provider.slice(0, 3)}_${(seq * 7919 + 104729).toString(36)}`;
    const payloadObj = makePayload(rng, p, eventType, sourceRecordId, t);
    const payloadText = JSON.stringify(payloadObj);
    const expired = age > PAYLOAD_DAYS * DAY;
    const incident = incidents.find((x) => x.integration === idx && t >= x.from && t < x.to);

    // Outcome.
    let status: EventStatus = 'DELIVERED';
    let code: string | null = null;
    let attemptsPlanned = 1;
    let firstFailures: string[] = [];
    if (age < 90_000 && rng.next() < 0.6) {
      status = rng.next() < 0.5 ? 'RECEIVED' : 'PROCESSING';
      attemptsPlanned = 0;
    } else {
      const failRate = incident ? 0.85 : p.failureRate * (0.6 + rng.next() * 0.8);
      const r = rng.next();
      if (r < failRate) {
        code = incident ? incident.code : rng.pickWeighted(p.failureCodes);
        const retryable = isRetryableCode(code);
        if (retryable && age < 36 * HOUR && rng.next() < 0.35) {
          status = 'RETRYING';
          attemptsPlanned = rng.int(1, Math.min(4, integ.schedule.length - 1));
        } else {
          status = 'FAILED';
          attemptsPlanned = retryable ? integ.schedule.length : 1;
        }
        firstFailures = Array.from({ length: attemptsPlanned }, () => code as string);
      } else if (r < failRate + RECOVERED_AFTER_RETRY_RATE) {
        const before = rng.int(1, 2);
        firstFailures = Array.from({ length: before }, () => rng.pick(['503', '429', 'TIMEOUT', '502']));
        attemptsPlanned = before + 1;
      }
    }

    // Attempts along the retry schedule.
    const history: Array<{ from: EventStatus | null; to: EventStatus; at: string; reason: string | null }> = [
      { from: null, to: 'RECEIVED', at: new Date(t).toISOString(), reason: null },
    ];
    let at = t + rng.int(5, 400);
    let last = t;
    let lastAttemptAt = t;
    let destinationRecordId: string | null = null;
    for (let a = 1; a <= attemptsPlanned; a++) {
      if (a > 1) at = lastAttemptAt + (integ.schedule[a - 1] ?? 36000) * 1000 + rng.int(0, 2000);
      if (at > now) {
        // The schedule runs past "now": the event is still being retried, not yet failed.
        attemptsPlanned = a - 1;
        if (status === 'FAILED') status = 'RETRYING';
        if (status === 'DELIVERED' && a > 1) {
          status = 'RETRYING';
          code = firstFailures[a - 2] ?? null;
        }
        break;
      }
      history.push({ from: a === 1 ? 'RECEIVED' : 'RETRYING', to: 'PROCESSING', at: new Date(at).toISOString(), reason: null });
      const failCode = firstFailures[a - 1];
      const ok = failCode === undefined;
      const duration = failCode === 'TIMEOUT' ? 10_000 : Math.round(40 + rng.next() ** 2 * 900);
      const attemptEnd = at + duration;
      if (ok) destinationRecordId = `${p.provider.slice(0, 2)}-${(seq * 104729 + 7).toString(36)}`;
      pushAttempt(b, rng, {
        eventId: id,
        integ,
        eventType,
        source,
        number: a,
        startedAt: at,
        duration,
        code: failCode ?? null,
        destinationRecordId,
        requestBody: expired ? null : payloadText,
        inbound,
      });
      const isLast = a === attemptsPlanned;
      const to: EventStatus = ok ? 'DELIVERED' : isLast ? (status === 'RETRYING' ? 'RETRYING' : 'FAILED') : 'RETRYING';
      history.push({
        from: 'PROCESSING',
        to,
        at: new Date(attemptEnd).toISOString(),
        reason: ok ? null : `${failCode}: ${lookupErrorCode(failCode)?.label ?? 'error'}`,
      });
      lastAttemptAt = attemptEnd;
      last = attemptEnd;
    }
    if (attemptsPlanned === 0 && status !== 'RECEIVED' && status !== 'PROCESSING') status = 'RECEIVED';
    if (status === 'PROCESSING') history.push({ from: 'RECEIVED', to: 'PROCESSING', at: new Date(t + 50).toISOString(), reason: null });

    const e = b.events;
    e.id.push(id);
    e.integration_id.push(integ.id);
    e.integration_type.push(integ.type);
    e.event_type.push(eventType);
    e.status.push(status);
    e.source.push(source);
    e.source_record_id.push(sourceRecordId);
    e.destination_record_id.push(status === 'DELIVERED' ? destinationRecordId : null);
    e.idempotency_key.push(inbound ? `msg_${id.replaceAll('-', '').slice(8)}` : null);
    e.trace_id.push(rng.hex(32));
    e.received_at.push(new Date(t).toISOString());
    e.updated_at.push(new Date(Math.max(last, t)).toISOString());
    e.delivered_at.push(status === 'DELIVERED' ? new Date(last).toISOString() : null);
    e.next_attempt_at.push(
      status === 'RETRYING'
        ? new Date(Math.max(now + 1000, lastAttemptAt + (integ.schedule[attemptsPlanned] ?? 300) * 1000)).toISOString()
        : status === 'RECEIVED'
          ? new Date(t).toISOString()
          : null,
    );
    e.processing_started_at.push(status === 'PROCESSING' ? new Date(t + 50).toISOString() : null);
    e.error_code.push(status === 'FAILED' || status === 'RETRYING' ? code : null);
    e.error_message.push(status === 'FAILED' || status === 'RETRYING' ? errorMessageFor(code) : null);
    e.payload.push(expired ? null : payloadText);
    e.status_history.push(JSON.stringify(history));
    e.attempt_count.push(attemptsPlanned);
    e.payload_expired.push(expired);

    rollups.add({ integrationId: integ.id, integrationType: integ.type, receivedAt: t, status, errorCode: code });
    if (t > integ.lastEventAt) integ.lastEventAt = t;
    if (status === 'FAILED' && t > integ.lastFailureAt) integ.lastFailureAt = t;
  }
  return b;
}

function errorMessageFor(code: string | null): string | null {
  if (!code) return null;
  const info = lookupErrorCode(code);
  if (code === 'TIMEOUT') return 'No response within 10 s';
  if (code === 'CONNECTION_REFUSED') return 'connect ECONNREFUSED';
  if (code === 'MAPPING') return 'Field mapping "data.email" resolved to nothing';
  return info ? `HTTP ${code} ${info.label}` : `Error ${code}`;
}

function makePayload(rng: Rng, p: IntegrationProfile, eventType: string, recordId: string, t: number): unknown {
  const base = { id: recordId, type: eventType, created: Math.floor(t / 1000) };
  switch (p.provider) {
    case 'stripe':
    case 'paypal':
      return {
        ...base,
        data: { amount: rng.int(500, 250_000), currency: rng.pick(['usd', 'eur', 'gbp']), customer: `cus_${rng.hex(10)}` },
      };
    case 'shopify':
    case 'woocommerce':
      return {
        ...base,
        data: { order_number: rng.int(1000, 99999), total_price: (rng.int(1500, 90000) / 100).toFixed(2), line_items: rng.int(1, 6) },
      };
    case 'slack':
      return { ...base, data: { channel: '#alerts', text: `${eventType} on ${p.flow}` } };
    default:
      return { ...base, data: { email: `user${rng.int(1, 99999)}@example.test`, stage: rng.pick(['lead', 'mql', 'sql', 'customer']) } };
  }
}

function pushAttempt(
  b: Batch,
  rng: Rng,
  a: {
    eventId: string;
    integ: LiveIntegration;
    eventType: string;
    source: string;
    number: number;
    startedAt: number;
    duration: number;
    code: string | null;
    destinationRecordId: string | null;
    requestBody: string | null;
    inbound: boolean;
  },
): void {
  const p = a.integ.profile;
  const noResponse = a.code === 'TIMEOUT' || a.code === 'CONNECTION_REFUSED' || a.code === 'DNS' || a.code === 'TLS';
  const httpStatus =
    a.code === null ? (rng.next() < 0.5 ? 200 : 201) : /^\d{3}$/.test(a.code) ? Number(a.code) : a.code === 'MAPPING' ? null : 400;
  const withRateLimit = !noResponse && rng.next() < RATE_LIMIT_HEADER_RATE;
  const max = 100;
  const remaining = a.code === '429' ? 0 : rng.int(0, max);
  const rateLimit = withRateLimit
    ? {
        max,
        remaining,
        dailyLimit: 200_000,
        dailyRemaining: rng.int(1000, 200_000),
        retryAfterSeconds: a.code === '429' ? rng.int(1, 60) : null,
        observedAt: new Date(a.startedAt + a.duration).toISOString(),
      }
    : null;
  const requestHeaders = [
    { name: 'content-type', value: 'application/json' },
    { name: 'user-agent', value: 'Switchboard/1.0' },
    { name: 'webhook-id', value: `evt_${a.eventId.replaceAll('-', '')}` },
    { name: 'webhook-timestamp', value: String(Math.floor(a.startedAt / 1000)) },
    { name: 'webhook-signature', value: '[redacted]' },
    ...(a.inbound ? [] : [{ name: 'authorization', value: '[redacted]' }]),
  ];
  const responseHeaders = noResponse
    ? null
    : [
        { name: 'content-type', value: 'application/json' },
        ...(rateLimit
          ? [
              { name: 'x-ratelimit-max', value: String(rateLimit.max) },
              { name: 'x-ratelimit-remaining', value: String(rateLimit.remaining) },
              { name: 'x-ratelimit-limit-daily', value: String(rateLimit.dailyLimit) },
              { name: 'x-ratelimit-daily-remaining', value: String(rateLimit.dailyRemaining) },
              ...(rateLimit.retryAfterSeconds ? [{ name: 'retry-after', value: String(rateLimit.retryAfterSeconds) }] : []),
            ]
          : []),
      ];
  const responseBody =
    noResponse || a.code === 'MAPPING'
      ? null
      : a.code === null
        ? JSON.stringify({ success: true, id: a.destinationRecordId })
        : JSON.stringify({ success: false, error: lookupErrorCode(a.code)?.label ?? 'error' });
  const t = b.attempts;
  t.id.push(uuidv7({ msecs: a.startedAt }));
  t.event_id.push(a.eventId);
  t.integration_id.push(a.integ.id);
  t.event_type.push(a.eventType);
  t.source.push(a.source);
  t.started_at.push(new Date(a.startedAt).toISOString());
  t.request_method.push('POST');
  t.request_url.push(`https://api.${p.provider}.example${p.path}`);
  t.request_headers.push(JSON.stringify(requestHeaders));
  t.request_body.push(a.requestBody);
  t.response_headers.push(responseHeaders ? JSON.stringify(responseHeaders) : null);
  t.response_body.push(responseBody);
  t.error_code.push(a.code);
  t.error_message.push(errorMessageFor(a.code));
  t.rate_limit.push(rateLimit ? JSON.stringify(rateLimit) : null);
  t.attempt_number.push(a.number);
  t.duration_ms.push(a.code === 'MAPPING' ? 0 : a.duration);
  t.response_status.push(noResponse || a.code === 'MAPPING' ? null : httpStatus);
  t.succeeded.push(a.code === null);
}

async function insertBatch(pool: pg.Pool, b: Batch): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const e = b.events;
    await client.query(
      `insert into event (id, workspace_id, integration_id, integration_type, event_type, status, source, source_record_id,
         destination_record_id, idempotency_key, trace_id, is_test, received_at, updated_at, delivered_at, attempt_count,
         next_attempt_at, processing_started_at, error_code, error_message, payload, payload_expired, status_history)
       select id, $1::uuid, integration_id, integration_type, event_type, status, source, source_record_id,
         destination_record_id, idempotency_key, trace_id, false, received_at, updated_at, delivered_at, attempt_count,
         next_attempt_at, processing_started_at, error_code, error_message, payload, payload_expired, status_history
       from unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
         $11::text[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::int[], $16::timestamptz[], $17::timestamptz[],
         $18::text[], $19::text[], $20::jsonb[], $21::boolean[], $22::jsonb[])
         as u(id, integration_id, integration_type, event_type, status, source, source_record_id, destination_record_id,
           idempotency_key, trace_id, received_at, updated_at, delivered_at, attempt_count, next_attempt_at,
           processing_started_at, error_code, error_message, payload, payload_expired, status_history)`,
      [
        b.workspaceId,
        e.id,
        e.integration_id,
        e.integration_type,
        e.event_type,
        e.status,
        e.source,
        e.source_record_id,
        e.destination_record_id,
        e.idempotency_key,
        e.trace_id,
        e.received_at,
        e.updated_at,
        e.delivered_at,
        e.attempt_count,
        e.next_attempt_at,
        e.processing_started_at,
        e.error_code,
        e.error_message,
        e.payload,
        e.payload_expired,
        e.status_history,
      ],
    );
    // The ones still to send are queued: due at their next attempt; a PROCESSING one holds a lease of
    // no live worker that never expires by itself, so the stuck rule reclaims it as it would a real one.
    await client.query(
      `insert into event_queue (event_id, received_at, integration_id, due_at, retrying, lease_owner, claimed_at)
       select id, received_at, integration_id, coalesce(next_attempt_at, received_at), status <> 'RECEIVED',
              case when status = 'PROCESSING' then 'generator' end, processing_started_at
       from unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
         as u(id, integration_id, status, received_at, next_attempt_at, processing_started_at)
       where status in ('RECEIVED', 'RETRYING', 'PROCESSING')`,
      [e.id, e.integration_id, e.status, e.received_at, e.next_attempt_at, e.processing_started_at],
    );
    // Their idempotency keys, where idempotency is decided (events are partitioned by day).
    await client.query(
      `insert into event_idempotency (integration_id, idempotency_key, event_id, received_at)
       select integration_id, idempotency_key, id, received_at
       from unnest($1::uuid[], $2::text[], $3::uuid[], $4::timestamptz[]) as u(integration_id, idempotency_key, id, received_at)
       where idempotency_key is not null
       on conflict do nothing`,
      [e.integration_id, e.idempotency_key, e.id, e.received_at],
    );
    const a = b.attempts;
    if (a.id.length) {
      await client.query(
        `insert into delivery_attempt (id, event_id, workspace_id, integration_id, event_type, attempt_number, source, started_at,
           duration_ms, request_method, request_url, request_headers, request_body, response_status, response_headers,
           response_body, succeeded, error_code, error_message, rate_limit)
         select id, event_id, $1::uuid, integration_id, event_type, attempt_number, source, started_at, duration_ms,
           request_method, request_url, request_headers, request_body, response_status, response_headers, response_body,
           succeeded, error_code, error_message, rate_limit
         from unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::int[],
           $10::text[], $11::text[], $12::jsonb[], $13::text[], $14::int[], $15::jsonb[], $16::text[], $17::boolean[],
           $18::text[], $19::text[], $20::jsonb[])
           as u(id, event_id, integration_id, event_type, attempt_number, source, started_at, duration_ms, request_method,
             request_url, request_headers, request_body, response_status, response_headers, response_body, succeeded,
             error_code, error_message, rate_limit)`,
        [
          b.workspaceId,
          a.id,
          a.event_id,
          a.integration_id,
          a.event_type,
          a.attempt_number,
          a.source,
          a.started_at,
          a.duration_ms,
          a.request_method,
          a.request_url,
          a.request_headers,
          a.request_body,
          a.response_status,
          a.response_headers,
          a.response_body,
          a.succeeded,
          a.error_code,
          a.error_message,
          a.rate_limit,
        ],
      );
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function updateIntegrationHealth(pool: pg.Pool, integrations: LiveIntegration[]): Promise<void> {
  for (const i of integrations) {
    await pool.query(
      `update integration set
         last_event_at = greatest(last_event_at, $2::timestamptz),
         last_failure_at = greatest(last_failure_at, $3::timestamptz),
         last_rate_limit = coalesce(
           (select rate_limit from delivery_attempt where integration_id = $1 and rate_limit is not null order by started_at desc limit 1),
           last_rate_limit)
       where id = $1`,
      [i.id, i.lastEventAt ? new Date(i.lastEventAt) : null, i.lastFailureAt ? new Date(i.lastFailureAt) : null],
    );
  }
}

function progressReporter(progress: GenerateOptions['progress'], total: number): (done: number, final?: boolean) => void {
  if (typeof progress === 'function') return (done) => progress(done, total);
  if (!progress) return () => undefined;
  if (process.stdout.isTTY) {
    const bar = new SingleBar({ format: 'generating [{bar}] {percentage}% | {value}/{total} events | {eta}s left', hideCursor: true });
    bar.start(total, 0);
    return (done, final) => {
      bar.update(done);
      if (final) bar.stop();
    };
  }
  let lastDecile = -1;
  return (done) => {
    const decile = Math.floor((done / total) * 10);
    if (decile !== lastDecile) {
      lastDecile = decile;
      console.log(`generating: ${done}/${total} events (${decile * 10}%)`);
    }
  };
}
