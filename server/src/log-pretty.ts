// Logs for a person at a terminal: pino's JSON lines made readable by pino-pretty, and the worker's one
// line per delivery attempt folded into one summary line every 10 seconds, so what `npm start` printed
// first (the console URL and key) does not scroll away under the demo's traffic. Machines keep JSON.
import type { DestinationStream } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT when set; otherwise pretty at a terminal, JSON lines everywhere else. */
export function logFormatFor(configured: LogFormat | undefined, stdoutIsTTY: boolean): LogFormat {
  return configured ?? (stdoutIsTTY ? 'pretty' : 'json');
}

export interface PrettyDestination extends DestinationStream {
  /** Writes the pending delivery summary now (also done every `summaryMs`). */
  flushSummary(): void;
  close(): void;
}

interface Counts {
  outcomes: Map<string, number>;
  codes: Map<string, number>;
  total: number;
  since: number;
}

const ATTEMPT_MARK = '"msg":"delivery attempt"';

export function prettyDestination(
  opts: { out?: NodeJS.WritableStream; colorize?: boolean; summariseAttempts?: boolean; summaryMs?: number } = {},
): PrettyDestination {
  const out = opts.out ?? process.stdout;
  const format = prettyFactory({
    colorize: opts.colorize ?? (Boolean((out as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  const summarise = opts.summariseAttempts ?? true;
  let counts: Counts = { outcomes: new Map(), codes: new Map(), total: 0, since: Date.now() };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  const flushSummary = () => {
    if (counts.total === 0) return;
    const seconds = Math.max(1, Math.round((Date.now() - counts.since) / 1000));
    const outcomes = [...counts.outcomes].map(([k, n]) => `${n} ${k.toLowerCase()}`).join(', ');
    const codes = [...counts.codes]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
    const line = JSON.stringify({
      level: 'info',
      time: new Date().toISOString(),
      msg: `deliveries in the last ${seconds} s: ${counts.total} attempts, ${outcomes}${codes ? ` (errors: ${codes})` : ''}`,
    });
    counts = { outcomes: new Map(), codes: new Map(), total: 0, since: Date.now() };
    out.write(format(line));
  };
  const timer = summarise ? setInterval(flushSummary, opts.summaryMs ?? 10_000) : undefined;
  timer?.unref();

  return {
    write(line: string) {
      if (summarise && line.includes(ATTEMPT_MARK)) {
        const record = JSON.parse(line) as { outcome?: string; errorCode?: string | null; msg?: string; level?: string };
        if (record.msg === 'delivery attempt' && record.level === 'info') {
          // A window opens with its first attempt: quiet time (startup, idle) is not counted in "the last N s".
          if (counts.total === 0) counts.since = Date.now();
          counts.total++;
          bump(counts.outcomes, record.outcome ?? 'unknown');
          if (record.errorCode) bump(counts.codes, record.errorCode);
          return;
        }
      }
      out.write(format(line));
    },
    flushSummary,
    close() {
      if (timer) clearInterval(timer);
      flushSummary();
    },
  };
}
