// Page sizes and opaque cursors. A cursor is base64url(JSON) of the keyset it stands for; clients
// must treat it as opaque, and a cursor that does not decode is BAD_USER_INPUT.
import { BadInputError } from '@switchboard/db';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new BadInputError(`first must be between 1 and ${MAX_PAGE_SIZE} (got ${first})`, { argument: 'first' });
  }
  return first;
}

export function encodeCursor(parts: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** Decodes a cursor whose parts must match `kinds` ('s' string, 'n' number); BadInputError otherwise. */
export function decodeCursor<T extends readonly (string | number)[]>(cursor: string, kinds: string): T {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parts) &&
      parts.length === kinds.length &&
      parts.every((p, i) => (kinds[i] === 'n' ? typeof p === 'number' && Number.isFinite(p) : typeof p === 'string'))
    ) {
      return parts as unknown as T;
    }
  } catch {
    // fall through
  }
  throw new BadInputError('after is not a valid cursor (use a cursor returned by this list)', { argument: 'after' });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

export function assertUuidPart(value: string): string {
  if (!UUID.test(value)) throw new BadInputError('after is not a valid cursor (use a cursor returned by this list)', { argument: 'after' });
  return value;
}

export function assertTimestampPart(value: string): string {
  if (!TIMESTAMP.test(value))
    throw new BadInputError('after is not a valid cursor (use a cursor returned by this list)', { argument: 'after' });
  return value;
}
