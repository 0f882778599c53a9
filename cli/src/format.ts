// Terminal output: tables (cli-table3) and colours (picocolors, which turns itself off when stdout is not
// a terminal or NO_COLOR is set), and --json for scripts.
import Table from 'cli-table3';
import pc from 'picocolors';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Progress and prompts go to stderr so stdout stays the result. */
export function note(line: string): void {
  process.stderr.write(`${pc.dim(line)}\n`);
}

const STATUS_COLOUR: Record<string, (s: string) => string> = {
  DELIVERED: pc.green,
  FAILED: pc.red,
  RETRYING: pc.yellow,
  PROCESSING: pc.cyan,
  RECEIVED: pc.dim,
  ACTIVE: pc.green,
  PAUSED: pc.yellow,
  ERROR: pc.red,
  DISCONNECTED: pc.dim,
};

export function status(value: string): string {
  return (STATUS_COLOUR[value] ?? ((s: string) => s))(value);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString('en-GB', { hour12: false }) : d.toISOString().slice(0, 19).replace('T', ' ');
}

export function table(head: string[], rows: Array<Array<string | number | null | undefined>>): string {
  const t = new Table({
    head: head.map((h) => pc.bold(h)),
    style: { head: [], border: [], compact: true },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return t.toString();
}

/** Pretty-prints a JSON body; anything else as it is. */
export function body(text: string | null | undefined): string {
  if (text === null || text === undefined || text === '') return '(no body)';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Hard-wraps to the column, keeping indentation (cli-table3's own wrapping drops leading spaces), then clips. */
function fit(text: string, width: number, maxLines: number): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length <= width) lines.push(line);
    else for (let i = 0; i < line.length; i += width) lines.push(line.slice(i, i + width));
  }
  return lines.length <= maxLines
    ? lines.join('\n')
    : `${lines.slice(0, maxLines).join('\n')}\n… ${lines.length - maxLines} more lines (--full)`;
}

/** Two columns filling the terminal: the request on the left, the response on the right (plain text). */
export function sideBySide(left: { title: string; text: string }, right: { title: string; text: string }, maxLines: number): string {
  const width = Math.max(60, process.stdout.columns ?? (Number(process.env.COLUMNS) || 120));
  const col = Math.floor((width - 7) / 2);
  const t = new Table({
    head: [pc.bold(left.title), pc.bold(right.title)],
    colWidths: [col, col],
    style: { head: [], border: [] },
  });
  t.push([fit(left.text, col - 2, maxLines), fit(right.text, col - 2, maxLines)]);
  return t.toString();
}
