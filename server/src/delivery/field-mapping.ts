// An integration's field mapping: `{ "target.field": "$.path.in.payload" | literal }`. A `$.` path
// that resolves to nothing fails the event with code MAPPING (not retried: the same payload and
// mapping fail again); a path ending in `?` is optional and is left out when absent.
export class MappingError extends Error {}

function resolvePath(payload: unknown, path: string): unknown {
  let cur: unknown = payload;
  for (const part of path.split('.').filter(Boolean)) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[m[1]];
    }
    for (const idx of (m[2] ?? '').match(/\d+/g) ?? []) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[Number(idx)];
    }
  }
  return cur;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1) as string] = value;
}

/** The body to send: the payload itself without a mapping, the mapped object with one. */
export function applyFieldMapping(mapping: Record<string, unknown> | null, payload: unknown): unknown {
  if (!mapping || Object.keys(mapping).length === 0) return payload;
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [target, source] of Object.entries(mapping)) {
    if (typeof source === 'string' && (source === '$' || source.startsWith('$.'))) {
      const optional = source.endsWith('?');
      const path = (optional ? source.slice(0, -1) : source).replace(/^\$\.?/, '');
      const value = path ? resolvePath(payload, path) : payload;
      if (value === undefined) {
        if (!optional) missing.push(`${target} ← ${source}`);
        continue;
      }
      setPath(out, target, value);
    } else {
      setPath(out, target, source);
    }
  }
  if (missing.length > 0) throw new MappingError(`Field mapping could not resolve ${missing.join(', ')}`);
  return out;
}
