// Who is calling: `Authorization: Bearer <key>`, `x-api-key: <key>`, or the console's `sb_key` cookie
// (same-origin only: POSTs must carry `x-switchboard-csrf`, WebSocket upgrades a matching Origin).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type EntityManager, authenticateApiKey, touchApiKey, UnauthenticatedError } from '@switchboard/db';
import type { Viewer } from '@switchboard/schema';

export const SESSION_COOKIE = 'sb_key';
export const CSRF_HEADER = 'x-switchboard-csrf';

export interface PresentedKey {
  key: string;
  via: 'header' | 'cookie';
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
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

/** Resolves a presented key to a viewer; null when no key was presented; UnauthenticatedError for a bad one. */
export async function resolveViewer(
  em: EntityManager,
  presented: PresentedKey | undefined,
  rootKey: string | undefined,
): Promise<Viewer | null> {
  if (!presented) return null;
  if (!presented.key) throw new UnauthenticatedError('The Authorization header must be "Bearer <key>"');
  if (rootKey && safeEqual(presented.key, rootKey)) return { kind: 'root' };
  const key = await authenticateApiKey(em, presented.key);
  await touchApiKey(em, key);
  return { kind: 'key', workspaceId: key.workspace.id, apiKeyId: key.id, keyName: key.name, scopes: key.scopes };
}
