// Redaction by value. Header names catch the usual places a secret travels (Authorization, cookies,
// signatures), but a credential can ride in any custom header, a query parameter, or come back
// quoted by the destination in an error body, a response header or a test call's answer. So every
// secret Switchboard knows for an integration — and the forms it is sent in (Bearer, Basic's
// base64 of user:password, percent-encoded, JSON-escaped) — is masked wherever it appears in
// anything stored or logged.
import type { StoredHeader } from '@switchboard/db';

export const REDACTED = '[redacted]';

/** Values shorter than this are not masked on their own (they would mask ordinary words); composites are. */
const MIN_SECRET_LENGTH = 4;

/** Every string a set of credentials holds, and the forms they are sent in. */
export function secretForms(credentials: Record<string, unknown> | null, signingSecret: string | null): string[] {
  const values: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') values.push(v);
    else if (typeof v === 'number' && String(v).length >= 8) values.push(String(v));
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(credentials);
  if (signingSecret) {
    values.push(signingSecret);
    // The key bytes of a whsec_ secret, as receivers often print them.
    if (signingSecret.startsWith('whsec_')) values.push(signingSecret.slice('whsec_'.length));
  }
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  const user = str(credentials?.username) ?? str(credentials?.user);
  const password = str(credentials?.password);
  if (user && password) {
    const pair = `${user}:${password}`;
    values.push(pair, Buffer.from(pair).toString('base64'), Buffer.from(pair).toString('base64url'));
  }
  const forms = new Set<string>();
  for (const v of values) {
    if (v.length < MIN_SECRET_LENGTH) continue;
    forms.add(v);
    forms.add(encodeURIComponent(v));
    forms.add(JSON.stringify(v).slice(1, -1));
  }
  return [...forms];
}

/** Masks a fixed set of secrets in text and headers. Longest first, so a secret inside another is masked whole. */
export class SecretScrubber {
  readonly #secrets: string[];
  /** The longest secret: a body read up to a limit must be read this much further to mask a secret cut at the limit. */
  readonly maxLength: number;

  constructor(secrets: Iterable<string>) {
    this.#secrets = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
    this.maxLength = this.#secrets[0]?.length ?? 0;
  }

  get empty(): boolean {
    return this.#secrets.length === 0;
  }

  scrub(text: string): string;
  scrub(text: string | null): string | null;
  scrub(text: string | null): string | null {
    if (text === null || text.length === 0) return text;
    let out = text;
    for (const s of this.#secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** Header pairs with secret names masked whole and secret values masked wherever they appear. */
  headers(headers: Record<string, string | string[] | undefined>): StoredHeader[] {
    const out: StoredHeader[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.push({ name, value: isSecretHeader(name) ? REDACTED : this.scrub(v) });
    }
    return out;
  }
}

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'webhook-signature',
  'stripe-signature',
  'x-hub-signature',
  'x-hub-signature-256',
]);
const SECRET_PATTERN = /token|secret|signature|api[-_]?key|password|credential|session/i;

export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_HEADERS.has(n) || SECRET_PATTERN.test(n);
}

/**
 * The secrets this process has seen, for the last line of defence: every log line is scrubbed
 * against them before it is written. Bounded; the oldest are forgotten first.
 */
export class SecretRegistry {
  readonly #limit: number;
  readonly #secrets = new Map<string, true>();
  #scrubber: SecretScrubber | null = null;

  constructor(limit = 5_000) {
    this.#limit = limit;
  }

  add(secrets: Iterable<string>): void {
    let changed = false;
    for (const s of secrets) {
      if (s.length < MIN_SECRET_LENGTH || this.#secrets.has(s)) continue;
      this.#secrets.set(s, true);
      changed = true;
      if (this.#secrets.size > this.#limit) this.#secrets.delete(this.#secrets.keys().next().value as string);
    }
    if (changed) this.#scrubber = null;
  }

  scrub(text: string): string {
    if (this.#secrets.size === 0) return text;
    this.#scrubber ??= new SecretScrubber(this.#secrets.keys());
    return this.#scrubber.scrub(text);
  }
}
