// Sends one event to its destination and describes what happened, redacted and truncated, ready to
// be stored as a delivery attempt. HTTP client: undici (Node's own fetch is built on it) through one
// keep-alive Agent; its request() API skips the WHATWG Response layer, which matters at thousands
// of requests per second. Signing: the `standardwebhooks` package decides what a secret's key bytes
// are (the same package ingest verifies with); the HMAC itself is node:crypto's (the package's
// pure-JS SHA-256 was ~2.5% of the server's CPU at 2,000 deliveries/s).
import { createHmac } from 'node:crypto';
import { encodeId, type RateLimitSnapshot, type StoredHeader } from '@switchboard/db';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { HmacKeys } from '../hmac-keys.ts';
import { decodeUtf8 } from '../ingest/json-guard.ts';
import { type SecretRegistry, SecretScrubber, secretForms } from '../secrets/scrubber.ts';
import { parseRateLimit, rateLimitResetSeconds, retryAfterSeconds } from './headers.ts';

export interface OutboundTarget {
  destinationUrl: string;
  destinationMethod: string;
  signingSecret: string;
  /** During a rotation's grace window: requests carry this secret's signature too, so the receiver verifies with either. */
  previousSigningSecret?: string | null;
  credentials: Record<string, unknown> | null;
}

export interface OutboundEvent {
  id: string;
  eventType: string;
  traceId: string;
  attemptNumber: number;
}

export interface AttemptResult {
  startedAt: Date;
  durationMs: number;
  request: { method: string; url: string; headers: StoredHeader[]; body: string | null };
  /** `bodyEncoding` BASE64: the destination answered bytes that are not text (stored base64-encoded). */
  response: { status: number; headers: StoredHeader[]; body: string | null; bodyEncoding: 'TEXT' | 'BASE64' } | null;
  succeeded: boolean;
  /** HTTP status as text, or TIMEOUT / CONNECTION_REFUSED / DNS / TLS. */
  errorCode: string | null;
  errorMessage: string | null;
  rateLimit: RateLimitSnapshot | null;
  retryAfterSeconds: number | null;
  /** Seconds until the destination's rate-limit window resets (when it says). */
  rateLimitResetSeconds: number | null;
  destinationRecordId: string | null;
}

export interface SenderOptions {
  timeoutMs: number;
  storedBodyBytes: number;
  /** Upper bound on concurrent connections per destination origin. */
  connectionsPerOrigin?: number;
  /** Learns every secret used, so log lines can be scrubbed of them too. */
  secrets?: SecretRegistry;
}

const USER_AGENT = 'Switchboard-Webhooks/1.0';
// The Standard Webhooks key bytes of a whsec_/base64 secret, as the standardwebhooks package decodes them.
const signingKeys = new HmacKeys((secret) => {
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch {
    // Not a whsec_/base64 secret: sign with its bytes as they are.
    webhook = new Webhook(secret, { format: 'raw' });
  }
  return Buffer.from((webhook as unknown as { key: Uint8Array }).key);
});

/** The Standard Webhooks `webhook-signature` value (v1: HMAC-SHA256 of "id.timestamp.body", base64). */
export function signWebhook(secret: string, webhookId: string, at: Date, body: string): string {
  const mac = createHmac('sha256', signingKeys.get(secret)).update(`${webhookId}.${Math.floor(at.getTime() / 1000)}.${body}`);
  return `v1,${mac.digest('base64')}`;
}

function truncate(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  return `${Buffer.from(text).subarray(0, max).toString('utf8')}… [truncated]`;
}

/** Credential fields → request headers (a bearer token, an API key, Basic auth, or explicit headers). */
export function credentialHeaders(credentials: Record<string, unknown> | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!credentials) return out;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const token = str(credentials.token) ?? str(credentials.accessToken) ?? str(credentials.access_token);
  if (token) out.authorization = `Bearer ${token}`;
  const apiKey = str(credentials.apiKey) ?? str(credentials.api_key);
  if (apiKey) out['x-api-key'] = apiKey;
  const user = str(credentials.username);
  const password = str(credentials.password);
  if (user && password && !token) out.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  if (credentials.headers && typeof credentials.headers === 'object') {
    for (const [k, v] of Object.entries(credentials.headers as Record<string, unknown>))
      if (typeof v === 'string') out[k.toLowerCase()] = v;
  }
  return out;
}

/** The destination URL with the credentials' query parameters (`credentials.query`), if any. */
export function credentialUrl(url: string, credentials: Record<string, unknown> | null): string {
  const query = credentials?.query;
  if (!query || typeof query !== 'object') return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query as Record<string, unknown>)) if (typeof v === 'string') u.searchParams.set(k, v);
  return u.toString();
}

/** Text PostgreSQL can store: NUL and lone surrogates (from an error message or header) replaced. */
function storable(text: string): string {
  return (text.includes('\u0000') ? text.replaceAll('\u0000', '\ufffd') : text).toWellFormed();
}

/**
 * A response body as stored: UTF-8 text without NUL as it is (truncated), anything else — binary,
 * invalid UTF-8, text with NUL bytes — base64-encoded, so whatever a destination answers is recorded.
 */
export function storedResponseBody(
  bytes: Buffer,
  max: number,
  scrubber: SecretScrubber,
): { body: string; encoding: 'TEXT' | 'BASE64'; text: string | null } {
  const text = decodeUtf8(bytes);
  if (text !== null && !text.includes('\u0000')) {
    const scrubbed = scrubber.scrub(text);
    return { body: truncate(scrubbed, max), encoding: 'TEXT', text: scrubbed };
  }
  // Secrets are masked in the bytes too (as latin1, byte for byte) before encoding.
  const masked = scrubber.empty ? bytes : Buffer.from(scrubber.scrub(bytes.toString('latin1')), 'latin1');
  return { body: masked.subarray(0, max).toString('base64'), encoding: 'BASE64', text: null };
}

/** Network failures by the catalog's codes. */
export function networkErrorCode(err: unknown): { code: string; message: string } {
  const seen = new Set<unknown>();
  let e: unknown = err;
  const codes: string[] = [];
  let message = (err as Error)?.message ?? String(err);
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') codes.push(c);
    if ((e as { name?: unknown }).name === 'TimeoutError' || (e as { name?: unknown }).name === 'AbortError') codes.push('ABORT_TIMEOUT');
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m) message = m;
    e = (e as { cause?: unknown }).cause;
  }
  const has = (re: RegExp) => codes.some((c) => re.test(c));
  if (has(/TIMEOUT|ETIMEDOUT/)) return { code: 'TIMEOUT', message: `No response within the timeout (${message})` };
  if (has(/^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL)$/)) return { code: 'DNS', message: `DNS lookup failed: ${message}` };
  if (has(/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|EPROTO|ERR_OSSL)/))
    return { code: 'TLS', message: `TLS handshake failed: ${message}` };
  return { code: 'CONNECTION_REFUSED', message: `Connection failed: ${message}` };
}

/** The destination's id for the record it created, when its JSON answer names one. */
export function destinationRecordIdOf(body: string | null): string | null {
  if (!body) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const o = parsed as Record<string, unknown>;
  const data = o.data && typeof o.data === 'object' ? (o.data as Record<string, unknown>) : null;
  for (const v of [o.id, o.recordId, o.record_id, o.objectId, data?.id, (o.result as Record<string, unknown> | undefined)?.id]) {
    if ((typeof v === 'string' && v.length > 0 && v.length <= 255) || typeof v === 'number') return String(v);
  }
  return null;
}

export class Sender {
  readonly #agent: Agent;
  readonly #opts: SenderOptions;
  /** Scrubbers per set of secrets (an integration's credentials and signing secret), reused across deliveries. */
  readonly #scrubbers = new Map<string, SecretScrubber>();

  constructor(opts: SenderOptions) {
    this.#opts = opts;
    this.#agent = new Agent({
      connections: opts.connectionsPerOrigin ?? 256,
      keepAliveTimeout: 10_000,
      connect: { timeout: opts.timeoutMs },
    });
  }

  async send(
    target: OutboundTarget,
    event: OutboundEvent,
    body: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<AttemptResult> {
    const startedAt = new Date();
    const started = performance.now();
    const text = body === undefined ? 'null' : JSON.stringify(body);
    const webhookId = encodeId('Event', event.id);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(startedAt.getTime() / 1000)),
      // Standard Webhooks allows several space-separated signatures; a receiver accepts the request if any verifies.
      'webhook-signature': target.previousSigningSecret
        ? `${signWebhook(target.signingSecret, webhookId, startedAt, text)} ${signWebhook(target.previousSigningSecret, webhookId, startedAt, text)}`
        : signWebhook(target.signingSecret, webhookId, startedAt, text),
      traceparent: `00-${event.traceId}-${event.traceId.slice(0, 16)}-01`,
      'x-switchboard-trace-id': event.traceId,
      'x-event-type': event.eventType,
      'x-switchboard-attempt': String(event.attemptNumber),
      ...credentialHeaders(target.credentials),
      ...extraHeaders,
    };
    const method = target.destinationMethod.toUpperCase();
    const scrubber = this.#scrubberFor(target);
    let url: string;
    try {
      url = credentialUrl(target.destinationUrl, target.credentials);
    } catch {
      url = target.destinationUrl;
    }
    const storedRequest = {
      method,
      url: scrubber.scrub(url),
      headers: scrubber.headers(headers),
      body: truncate(scrubber.scrub(text), this.#opts.storedBodyBytes),
    };
    try {
      const res = await request(url, {
        method: method as 'POST',
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : text,
        dispatcher: this.#agent,
        headersTimeout: this.#opts.timeoutMs,
        bodyTimeout: this.#opts.timeoutMs,
        signal: AbortSignal.timeout(this.#opts.timeoutMs),
      });
      const chunks: Buffer[] = [];
      let size = 0;
      // Read past the stored length by the longest secret's length, so a secret cut at the limit is still masked whole.
      const keep = this.#opts.storedBodyBytes + 4 + 6 * scrubber.maxLength;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (size < keep) chunks.push(chunk);
        size += chunk.length;
        if (size > 4 * 1024 * 1024) {
          res.body.destroy();
          break;
        }
      }
      const durationMs = Math.round(performance.now() - started);
      const stored = storedResponseBody(chunks.length ? Buffer.concat(chunks) : Buffer.alloc(0), this.#opts.storedBodyBytes, scrubber);
      const rawHeaders = res.headers as Record<string, string | string[] | undefined>;
      const status = res.statusCode;
      const ok = status >= 200 && status < 300;
      const said = stored.text === null ? ` (a binary body of ${size} bytes)` : stored.text ? `: ${truncate(stored.text, 300)}` : '';
      return {
        startedAt,
        durationMs,
        request: storedRequest,
        response: {
          status,
          headers: scrubber.headers(rawHeaders).map((h) => ({ name: h.name, value: storable(h.value) })),
          body: stored.body || null,
          bodyEncoding: stored.encoding,
        },
        succeeded: ok,
        errorCode: ok ? null : String(status),
        errorMessage: ok ? null : `HTTP ${status}${said}`,
        rateLimit: parseRateLimit(rawHeaders, new Date()),
        retryAfterSeconds: retryAfterSeconds(rawHeaders['retry-after']),
        rateLimitResetSeconds: rateLimitResetSeconds(rawHeaders),
        destinationRecordId: ok ? destinationRecordIdOf(stored.text) : null,
      };
    } catch (err) {
      const { code, message } = networkErrorCode(err);
      return {
        startedAt,
        durationMs: Math.round(performance.now() - started),
        request: storedRequest,
        response: null,
        succeeded: false,
        errorCode: code,
        errorMessage: storable(scrubber.scrub(message)),
        rateLimit: null,
        retryAfterSeconds: null,
        rateLimitResetSeconds: null,
        destinationRecordId: null,
      };
    }
  }

  #scrubberFor(target: OutboundTarget): SecretScrubber {
    const previous = target.previousSigningSecret ?? '';
    const key = `${target.signingSecret}\u0000${previous}\u0000${target.credentials ? JSON.stringify(target.credentials) : ''}`;
    let scrubber = this.#scrubbers.get(key);
    if (!scrubber) {
      const forms = [...secretForms(target.credentials, target.signingSecret), ...(previous ? secretForms(null, previous) : [])];
      scrubber = new SecretScrubber(forms);
      this.#opts.secrets?.add(forms);
      if (this.#scrubbers.size >= 1000) this.#scrubbers.clear();
      this.#scrubbers.set(key, scrubber);
    }
    return scrubber;
  }

  async close(): Promise<void> {
    await this.#agent.close().catch(() => undefined);
  }
}
