// The payload of a test event (sendTestEvent without a payload): one the integration's own field
// mapping resolves, so the test exercises the real path (mapping, signing, sending) and succeeds
// against a healthy destination instead of failing on a mapping that expects other fields.

/** Where a mapping source reads from: the path after `$.`, or null for a literal / the whole payload / an optional path. */
function requiredPathOf(source: unknown): string | null {
  if (typeof source !== 'string' || !source.startsWith('$.') || source.endsWith('?')) return null;
  return source.slice(2);
}

function sampleFor(leaf: string, eventType: string, id: string): unknown {
  const name = leaf.toLowerCase();
  if (name === 'id' || name.endsWith('_id') || name.endsWith('id')) return id;
  if (name === 'type' || name === 'event' || name === 'eventtype' || name === 'event_type') return eventType;
  if (name.includes('email')) return 'test@example.com';
  if (name.endsWith('at') || name.includes('date') || name.includes('time')) return new Date().toISOString();
  return { test: true };
}

/** Sets `value` at a mapping path (`a.b[0].c`), creating objects and arrays on the way; keeps what is there. */
function setAlong(target: Record<string, unknown>, path: string, value: unknown): void {
  const steps: Array<string | number> = [];
  for (const part of path.split('.').filter(Boolean)) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return;
    if (m[1]) steps.push(m[1]);
    for (const idx of (m[2] ?? '').match(/\d+/g) ?? []) steps.push(Number(idx));
  }
  let cur: Record<string | number, unknown> = target;
  steps.forEach((step, i) => {
    const last = i === steps.length - 1;
    if (last) {
      if (cur[step] === undefined) cur[step] = value;
      return;
    }
    const next = steps[i + 1];
    if (cur[step] === null || typeof cur[step] !== 'object') cur[step] = typeof next === 'number' ? [] : {};
    cur = cur[step] as Record<string | number, unknown>;
  });
}

/**
 * A payload every required `$.path` of the mapping resolves in, with plausible values (ids, the event
 * type, an email, a timestamp), marked `test: true`. Without a mapping, the payload is sent as is.
 */
export function testPayloadFor(
  mapping: Record<string, unknown> | null | undefined,
  eventType: string,
  id: string,
): Record<string, unknown> {
  const payload: Record<string, unknown> = { id, type: eventType, test: true, sentAt: new Date().toISOString() };
  for (const source of Object.values(mapping ?? {})) {
    const path = requiredPathOf(source);
    if (!path) continue;
    const leaf =
      path
        .split('.')
        .at(-1)
        ?.replace(/\[\d+\]/g, '') ?? '';
    setAlong(payload, path, sampleFor(leaf, eventType, id));
  }
  return payload;
}
