// What a JSON body must be before it is parsed and stored: valid UTF-8, no NUL characters and no
// lone surrogates (PostgreSQL's text and jsonb cannot hold either, and one refused row would fail
// the group commit it shares with other tenants' rows), and nested no deeper than MAX_JSON_DEPTH
// (deeper documents overflow recursive code later: field mapping, serialisers, jsonb itself).
// One pass over the raw text, before JSON.parse, so nothing recursive ever sees a hostile document.

/** The deepest nesting of objects and arrays accepted anywhere (ingest, publish, GraphQL JSON). */
export const MAX_JSON_DEPTH = 64;

export type JsonRefusal = { code: 'INVALID_UTF8' | 'UNSUPPORTED_CHARACTER' | 'TOO_DEEP' | 'INVALID_JSON'; message: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8, refusing invalid sequences instead of replacing them. */
export function decodeUtf8(body: Uint8Array): string | null {
  try {
    return strictUtf8.decode(body);
  } catch {
    return null;
  }
}

const BACKSLASH = 92;
const QUOTE = 34;

function hex4(text: string, at: number): number {
  const h = text.slice(at, at + 4);
  return /^[0-9a-fA-F]{4}$/.test(h) ? Number.parseInt(h, 16) : -1;
}

/**
 * Checks raw JSON text for what PostgreSQL cannot store and for excessive nesting. It does not
 * validate the grammar (JSON.parse does, afterwards); it only has to be right about strings and
 * brackets, so a document it passes parses to a value that is storable and shallow.
 */
export function scanJsonText(text: string, maxDepth = MAX_JSON_DEPTH): JsonRefusal | null {
  let depth = 0;
  let inString = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return nulRefusal();
    if (c >= 0xd800 && c <= 0xdfff) {
      // Raw surrogates only reach here in pairs when the text came from valid UTF-8; check anyway.
      const next = text.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return surrogateRefusal();
    }
    if (inString) {
      if (c === QUOTE) inString = false;
      else if (c === BACKSLASH) {
        const e = text.charCodeAt(i + 1);
        if (e === 117 /* u */) {
          const unit = hex4(text, i + 2);
          if (unit === 0) return nulRefusal();
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // A high surrogate escape must be followed by a low surrogate escape.
            const low = text.charCodeAt(i + 6) === BACKSLASH && text.charCodeAt(i + 7) === 117 ? hex4(text, i + 8) : -1;
            if (low < 0xdc00 || low > 0xdfff) return surrogateRefusal();
            i += 11;
            continue;
          }
          if (unit >= 0xdc00 && unit <= 0xdfff) return surrogateRefusal();
          i += unit < 0 ? 1 : 5;
        } else i++;
      }
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return { code: 'TOO_DEEP', message: `JSON nested deeper than ${maxDepth} levels is not accepted` };
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return null;
}

/** Decodes, scans and parses a JSON body; `value` is safe to store and to walk recursively. */
export function parseJsonBody(body: Uint8Array): { ok: true; text: string; value: unknown } | ({ ok: false } & JsonRefusal) {
  const text = decodeUtf8(body);
  if (text === null) return { ok: false, code: 'INVALID_UTF8', message: 'The body is not valid UTF-8' };
  const refused = scanJsonText(text);
  if (refused) return { ok: false, ...refused };
  try {
    return { ok: true, text, value: JSON.parse(text) };
  } catch {
    return { ok: false, code: 'INVALID_JSON', message: 'The body is not valid JSON' };
  }
}

/**
 * The same rules for a value already parsed (GraphQL variables and literals): depth, NUL and lone
 * surrogates in strings and keys. Iterative, so a hostile value cannot overflow the stack here.
 */
export function checkJsonValue(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonRefusal | null {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v === 'string') {
      const bad = badString(v);
      if (bad) return bad;
    } else if (v !== null && typeof v === 'object') {
      if (d + 1 > maxDepth) return { code: 'TOO_DEEP', message: `JSON nested deeper than ${maxDepth} levels is not accepted` };
      if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
      else
        for (const [k, x] of Object.entries(v)) {
          const bad = badString(k);
          if (bad) return bad;
          stack.push([x, d + 1]);
        }
    }
  }
  return null;
}

/** NUL or a lone surrogate in a string, or null when it can be stored. */
export function badString(s: string): JsonRefusal | null {
  if (s.includes('\u0000')) return nulRefusal();
  if (!s.isWellFormed()) return surrogateRefusal();
  return null;
}

function nulRefusal(): JsonRefusal {
  return { code: 'UNSUPPORTED_CHARACTER', message: 'NUL characters (\\u0000) are not accepted in JSON or text' };
}

function surrogateRefusal(): JsonRefusal {
  return { code: 'UNSUPPORTED_CHARACTER', message: 'Lone UTF-16 surrogates (e.g. \\ud800 without its pair) are not accepted' };
}
