// What the event log's one search box means. An operator pastes whatever they have: the event id a
// receiver saw (`evt_…`, the `webhook-id` header), a trace id in any case, an idempotency key or a
// record id, or a `key = value` to find inside payloads (e.g. `email = grace@example.com`,
// `customer.id = 42`). Each becomes a condition that an index answers.

export type EventSearch =
  | { kind: 'id'; id: string }
  | { kind: 'exact'; value: string; traceId: string }
  | { kind: 'payload'; contains: Record<string, unknown> };

const EVENT_ID = /^evt_([0-9a-f]{32})$/i;
const KEY_VALUE = /^([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*[:=]\s*(.+)$/;

function scalar(raw: string): unknown {
  const v = raw.trim().replace(/^"(.*)"$/, '$1');
  if (v !== raw.trim()) return v; // quoted: always a string
  if (v === 'true' || v === 'false' || v === 'null') return JSON.parse(v);
  if (/^-?\d+(\.\d+)?$/.test(v) && Number.isFinite(Number(v))) return Number(v);
  return v;
}

/** `a.b = 1` → `{"a": {"b": 1}}`, the JSON a payload must contain. */
function nest(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

/** Parses a search box; null when it is empty. */
export function parseEventSearch(input: string | null | undefined): EventSearch | null {
  const s = input?.trim();
  if (!s) return null;
  const id = EVENT_ID.exec(s);
  if (id) {
    const h = (id[1] as string).toLowerCase();
    return { kind: 'id', id: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` };
  }
  if (s.startsWith('{')) {
    try {
      const parsed = JSON.parse(s) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        return { kind: 'payload', contains: parsed as Record<string, unknown> };
    } catch {
      // not JSON: searched as a plain value below
    }
  }
  const kv = KEY_VALUE.exec(s);
  if (kv) return { kind: 'payload', contains: nest(kv[1] as string, scalar(kv[2] as string)) };
  // Trace ids are stored as lowercase hex (generated, or from a W3C traceparent, which is lowercase).
  return { kind: 'exact', value: s, traceId: /^[0-9a-f]{32}$/i.test(s) ? s.toLowerCase() : s };
}
