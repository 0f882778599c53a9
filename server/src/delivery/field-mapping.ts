// An integration's field mapping: `{ "target.field": "$.path.in.payload" | "template" | literal }`. A
// `$.` path that resolves to nothing fails the event with code MAPPING (not retried: the same payload
// and mapping fail again); a path ending in `?` is optional and is left out when absent. A template
// is a string with `{{$.path}}` placeholders (`{{$.path?}}`: empty when absent), each replaced by
// the value as text (objects as JSON) — e.g. `{"text": "{{$.title}}: {{$.summary}} {{$.consoleUrl}}"}`
// for a Slack incoming webhook.
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

const PLACEHOLDER = /\{\{\s*(\$(?:\.[^{}?\s]*)?)(\?)?\s*\}\}/g;

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

/** Fills a template's placeholders; the paths it could not resolve (not optional) go to `missing`. */
function fillTemplate(template: string, payload: unknown, missing: string[], target: string): string {
  return template.replace(PLACEHOLDER, (_m, source: string, optional: string | undefined) => {
    const path = source.replace(/^\$\.?/, '');
    const value = path ? resolvePath(payload, path) : payload;
    if (value === undefined) {
      if (!optional) missing.push(`${target} ← {{${source}}}`);
      return '';
    }
    return asText(value);
  });
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
    } else if (typeof source === 'string' && source.includes('{{')) {
      setPath(out, target, fillTemplate(source, payload, missing, target));
    } else {
      setPath(out, target, source);
    }
  }
  if (missing.length > 0) throw new MappingError(`Field mapping could not resolve ${missing.join(', ')}`);
  return out;
}
