// Public IDs are the row's UUID (v7: time-ordered, good for index locality) behind a type prefix,
// so `node(id)` knows which table to look in and an ID of one type is never taken for another.
import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7, validate as isUuid } from 'uuid';

export const ID_PREFIXES = {
  Workspace: 'ws',
  ApiKey: 'key',
  Integration: 'int',
  Event: 'evt',
  DeliveryAttempt: 'att',
  Incident: 'inc',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const KIND_BY_PREFIX = new Map<string, IdKind>(Object.entries(ID_PREFIXES).map(([k, p]) => [p, k as IdKind]));

// Random bytes are drawn from the OS 4 KiB at a time: one getrandom() per 256 IDs instead of one
// each (at thousands of events a second the per-call cost was a tenth of the server's CPU). Every
// refill is a new buffer, so a slice handed out is never overwritten.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** `n` (≤ 4096) cryptographically random bytes. */
export function randomBytesPooled(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return bytes;
}

// uuid's own v7 keeps IDs made in the same millisecond increasing, but only when it draws its own
// random bytes: the same rule (RFC 9562 method 1, a counter seeded from the random bits) lives here.
const v7State = { msecs: Number.NEGATIVE_INFINITY, seq: 0 };

export function newId(): string {
  const random = randomBytesPooled(16);
  const now = Date.now();
  if (now > v7State.msecs) {
    v7State.msecs = now;
    v7State.seq =
      (((random[6] as number) & 0x7f) << 24) | ((random[7] as number) << 16) | ((random[8] as number) << 8) | (random[9] as number);
  } else {
    v7State.seq = (v7State.seq + 1) | 0;
    if (v7State.seq === 0) v7State.msecs++;
  }
  return uuidv7({ random, msecs: v7State.msecs, seq: v7State.seq });
}

export function encodeId(kind: IdKind, uuid: string): string {
  return `${ID_PREFIXES[kind]}_${uuid.replaceAll('-', '')}`;
}

/** Decodes a public ID; null when it is not one (the caller answers "not found", never an error that leaks why). */
export function decodeId(publicId: string): { kind: IdKind; uuid: string } | null {
  const m = /^([a-z]+)_([0-9a-f]{32})$/.exec(publicId);
  if (!m) return null;
  const kind = KIND_BY_PREFIX.get(m[1] as string);
  if (!kind) return null;
  const h = m[2] as string;
  const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  return isUuid(uuid) ? { kind, uuid } : null;
}

/** Decodes an ID that must be of one kind; null otherwise. */
export function decodeIdOf(kind: IdKind, publicId: string): string | null {
  const d = decodeId(publicId);
  return d && d.kind === kind ? d.uuid : null;
}
