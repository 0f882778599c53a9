// Which failures mean "the database is unreachable" (answer 503 and let the sender retry) rather than a bug.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export class DatabaseTimeoutError extends Error {}

export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseTimeoutError) return true;
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|57P)/.test(code) || code === '53300' || code === '55000'))
      return true;
    if (
      typeof message === 'string' &&
      /Connection terminated|connection (is )?closed|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|ECONNREFUSED|ECONNRESET/i.test(
        message,
      )
    ) {
      return true;
    }
    e = (e as { cause?: unknown }).cause ?? (e as { previous?: unknown }).previous;
  }
  return false;
}
