// Public IDs are the row's UUID (v7: time-ordered, good for index locality) behind a type prefix,
// so `node(id)` knows which table to look in and an ID of one type is never taken for another.
import { v7 as uuidv7, validate as isUuid } from 'uuid';

export const ID_PREFIXES = {
  Workspace: 'ws',
  ApiKey: 'key',
  Integration: 'int',
  Event: 'evt',
  DeliveryAttempt: 'att',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const KIND_BY_PREFIX = new Map<string, IdKind>(Object.entries(ID_PREFIXES).map(([k, p]) => [p, k as IdKind]));

export function newId(): string {
  return uuidv7();
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
