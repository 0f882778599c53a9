// Who is calling: `Authorization: Bearer <key>`, `x-api-key: <key>`, or the console's `sb_key` cookie
// (same-origin only: POSTs must carry `x-switchboard-csrf`, WebSocket upgrades a matching Origin).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { authenticateApiKey, type EntityManager, hashApiKey, recordApiKeyUse, touchApiKey, UnauthenticatedError } from '@switchboard/db';
import type { Viewer } from '@switchboard/schema';
import { safeDecode } from './http/router.ts';

export const SESSION_COOKIE = 'sb_key';
export const CSRF_HEADER = 'x-switchboard-csrf';

export interface PresentedKey {
  key: string;
  via: 'header' | 'cookie';
}

/** One cookie's value from a Cookie header; undefined when absent or not valid percent-encoding. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    // A value that is not valid percent-encoding is no session at all (never a 500).
    if (eq > 0 && part.slice(0, eq).trim() === name) return safeDecode(part.slice(eq + 1).trim()) ?? undefined;
  }
  return undefined;
}

/** The key a request presents, if any. */
export function presentedKey(headers: IncomingHttpHeaders | Headers): PresentedKey | undefined {
  // Yoga's Request may carry a Headers ponyfill that is not `instanceof` the global Headers: duck-type it.
  const get = (n: string): string | undefined =>
    typeof (headers as Headers).get === 'function'
      ? ((headers as Headers).get(n) ?? undefined)
      : ((headers as IncomingHttpHeaders)[n] as string | undefined);
  const auth = get('authorization');
  if (auth) {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    return m ? { key: (m[1] as string).trim(), via: 'header' } : { key: '', via: 'header' };
  }
  const xKey = get('x-api-key');
  if (xKey) return { key: xKey.trim(), via: 'header' };
  const cookie = cookieValue(get('cookie'), SESSION_COOKIE);
  if (cookie) return { key: cookie, via: 'cookie' };
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuthenticatorOptions {
  /** Opens a short-lived EntityManager for the lookups (never the caller's: entries outlive requests). */
  em: () => EntityManager;
  rootKey: string | undefined;
  /**
   * How long a verified key is trusted without asking the database again. Revocations reach every
   * replica's cache at once through the live bus; this bounds staleness if such a message is lost.
   */
  ttlMs?: number;
  onError?(err: unknown): void;
}

interface CachedKey {
  viewer: Extract<Viewer, { kind: 'key' }>;
  at: number;
  touchedAt: number;
}

const MAX_CACHED_KEYS = 10_000;

/**
 * Resolves presented keys to viewers. Verified keys are remembered for a moment (keyed by the key's
 * hash, as stored, never the key itself), so the ingest, GraphQL and WebSocket paths do not read the
 * api_key row on every request; concurrent first uses share one lookup.
 */
export class Authenticator {
  readonly #opts: AuthenticatorOptions;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, CachedKey>();
  readonly #loading = new Map<string, Promise<CachedKey>>();
  /** Moves on every forget(): a lookup that started before a revocation answers its callers but is not kept. */
  #generation = 0;

  constructor(opts: AuthenticatorOptions) {
    this.#opts = opts;
    this.#ttlMs = opts.ttlMs ?? 2_000;
  }

  /** The viewer for a presented key; null when none was presented; UnauthenticatedError for a bad one. */
  async resolve(presented: PresentedKey | undefined, now = Date.now()): Promise<Viewer | null> {
    if (!presented) return null;
    if (!presented.key) throw new UnauthenticatedError('The Authorization header must be "Bearer <key>"');
    const { rootKey } = this.#opts;
    if (rootKey && safeEqual(presented.key, rootKey)) return { kind: 'root' };
    const hash = hashApiKey(presented.key);
    const hit = this.#entries.get(hash);
    if (hit && now - hit.at < this.#ttlMs) {
      this.#touch(hit, now);
      return hit.viewer;
    }
    let loading = this.#loading.get(hash);
    if (!loading) {
      const generation = this.#generation;
      // A refused key (or an unreachable database) is not remembered.
      loading = this.#load(presented.key, now)
        .then((entry) => {
          if (generation === this.#generation) {
            if (this.#entries.size >= MAX_CACHED_KEYS) this.#entries.clear();
            this.#entries.set(hash, entry);
          }
          return entry;
        })
        .finally(() => this.#loading.delete(hash));
      this.#loading.set(hash, loading);
    }
    return (await loading).viewer;
  }

  /** Forgets a key at once: it was revoked, here or on another replica. */
  forget(apiKeyId: string): void {
    this.#generation++;
    for (const [hash, entry] of this.#entries) if (entry.viewer.apiKeyId === apiKeyId) this.#entries.delete(hash);
  }

  async #load(plainKey: string, now: number): Promise<CachedKey> {
    const em = this.#opts.em();
    const key = await authenticateApiKey(em, plainKey);
    await touchApiKey(em, key, new Date(now));
    return {
      viewer: { kind: 'key', workspaceId: key.workspace.id, apiKeyId: key.id, keyName: key.name, scopes: key.scopes },
      at: now,
      touchedAt: key.lastUsedAt?.getTime() ?? now,
    };
  }

  /** lastUsedAt moves at most once a minute per key, off the request's path. */
  #touch(entry: CachedKey, now: number): void {
    if (now - entry.touchedAt < 60_000) return;
    entry.touchedAt = now;
    recordApiKeyUse(this.#opts.em(), entry.viewer.apiKeyId, new Date(now)).catch((err: unknown) => this.#opts.onError?.(err));
  }
}
