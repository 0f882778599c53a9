// Group commits share one statement among many requests, so one row the database refuses would fail
// them all — and, retried as a whole, fail them forever. This stores a batch and, when the database
// refuses it for its contents (anything but "unreachable"), splits it in halves until the refused
// items stand alone: every other item is stored, each refused one is handed to `refused` exactly
// once. At most 2n − 1 statements for n items, never a loop. When the database is unreachable the
// items not yet stored are handed back, for the caller to retry as a whole or answer 503.
import { isDatabaseUnavailable } from './ingest/database-errors.ts';

export interface Isolated<T, R> {
  results: R[];
  /** Items not stored because the database could not be reached, with that error. */
  unavailable: { items: T[]; error: unknown } | null;
  /** How many items were refused (and handed to `refused`). */
  refusedCount: number;
}

export async function storeIsolating<T, R>(
  items: readonly T[],
  store: (items: T[]) => Promise<R>,
  refused: (item: T, err: unknown) => Promise<void> | void,
): Promise<Isolated<T, R>> {
  const results: R[] = [];
  const parts: T[][] = items.length ? [[...items]] : [];
  let refusedCount = 0;
  while (parts.length > 0) {
    const part = parts.shift() as T[];
    try {
      results.push(await storeRetryingTransient(part, store));
    } catch (err) {
      if (isDatabaseUnavailable(err) || isTransient(err))
        return { results, unavailable: { items: [part, ...parts].flat(), error: err }, refusedCount };
      if (part.length === 1) {
        refusedCount++;
        await refused(part[0] as T, err);
        continue;
      }
      const mid = part.length >>> 1;
      parts.unshift(part.slice(0, mid), part.slice(mid));
    }
  }
  return { results, unavailable: null, refusedCount };
}

/** SQLSTATE of the innermost driver error, if any. */
function sqlState(err: unknown): string | null {
  const seen = new Set<unknown>();
  let e: unknown = err;
  let found: string | null = null;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const { code } = e as { code?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) found = code;
    e = (e as { cause?: unknown }).cause ?? (e as { previous?: unknown }).previous;
  }
  return found;
}

/**
 * A failure that says nothing about the rows: a deadlock or serialization failure (class 40), a lock
 * not available (55P03), a statement cancelled (57014). Retried as it is; never a refusal of the data.
 */
export function isTransient(err: unknown): boolean {
  const code = sqlState(err);
  return code !== null && (code.startsWith('40') || code === '55P03' || code === '57014');
}

async function storeRetryingTransient<T, R>(part: T[], store: (items: T[]) => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store(part);
    } catch (err) {
      if (!isTransient(err) || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }
}

/**
 * The database's own words for a refusal (its message and SQLSTATE), for an honest error. The
 * innermost driver error is used: wrappers quote the statement, which may hold the refused data.
 */
export function refusalReason(err: unknown): string {
  const seen = new Set<unknown>();
  let e: unknown = err;
  let found: string | null = null;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof message === 'string')
      found = `${message.split(' - ').at(-1)?.slice(0, 200)} (SQLSTATE ${code})`;
    e = (e as { cause?: unknown }).cause ?? (e as { previous?: unknown }).previous;
  }
  return found ?? 'the database refused the row';
}
