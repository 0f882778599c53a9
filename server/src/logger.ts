// Structured JSON logs. Secrets are redacted by path before anything is written.
import pino, { type Logger } from 'pino';
import { type LogFormat, prettyDestination } from './log-pretty.ts';
import { SecretRegistry } from './secrets/scrubber.ts';

export type { Logger };

export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["webhook-signature"]',
  'req.headers["stripe-signature"]',
  'req.headers["x-hub-signature-256"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.credentials',
  '*.signingSecret',
  '*.previousSigningSecret',
  '*.key',
  '*.adminKey',
];

/**
 * Secrets this process has used (credentials, signing secrets, the root key): every log line is
 * scrubbed of them before it is written, whatever field or message carries them.
 */
export const processSecrets = new SecretRegistry();

/**
 * A logger writing to `destination`, or to stdout as JSON lines (`format: 'json'`, the default) or as
 * readable lines with delivery attempts summarised (`'pretty'`; at debug and trace every attempt is shown).
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
  secrets: SecretRegistry = processSecrets,
): Logger {
  if (!destination && format === 'pretty') {
    destination = prettyDestination({ summariseAttempts: level !== 'debug' && level !== 'trace' });
  }
  return pino(
    {
      level,
      hooks: { streamWrite: (line) => secrets.scrub(line) },
      base: { service: 'switchboard' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
