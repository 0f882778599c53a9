// Event filters shared by `events list`, `replay` and `tail`: flags → the API's EventFilter.
import type { Command } from 'commander';
import { CliError, type Connection, graphql } from './client.ts';

export interface FilterFlags {
  status?: string[];
  type?: string[];
  integration?: string;
  errorCode?: string[];
  eventType?: string[];
  search?: string;
  since?: string;
}

/** A repeatable comma-separated option: `-s A,B -s C` → [A, B, C]. */
export const commaList = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/** The same for enum values, upper-cased (`--state paused` → PAUSED). */
export const enumList = (value: string, previous: string[] = []) => commaList(value.toUpperCase(), previous);

export function addFilterFlags(cmd: Command, what: { since?: boolean } = {}): Command {
  cmd
    .option('-s, --status <statuses>', 'DELIVERED, FAILED, RETRYING, PROCESSING, RECEIVED (comma-separated or repeated)', commaList)
    .option('-t, --type <types>', 'integration types: OUTBOUND_WEBHOOK, INBOUND_WEBHOOK, PREBUILT, CUSTOM_EVENT, CUSTOM_NODE', commaList)
    .option('-i, --integration <id-or-name>', 'one integration, by id or exact name')
    .option('-e, --error-code <codes>', 'error codes, e.g. 503,TIMEOUT', commaList)
    .option('--event-type <types>', 'event types, e.g. contact.created', commaList);
  if (what.since !== false) {
    cmd
      .option('--since <duration>', 'received within, e.g. 30m, 6h, 7d')
      .option('--search <text>', 'exact traceId, idempotency key or record id');
  }
  return cmd;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  const m = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!m) throw new CliError(`not a duration: ${JSON.stringify(text)} (e.g. 30m, 6h, 7d)`, 2);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

const upper = (values: string[] | undefined) => values?.map((v) => v.toUpperCase());

export async function eventFilter(conn: Connection, flags: FilterFlags): Promise<Record<string, unknown>> {
  const filter: Record<string, unknown> = {};
  if (flags.status?.length) filter.statuses = upper(flags.status);
  if (flags.type?.length) filter.types = upper(flags.type);
  if (flags.errorCode?.length) filter.errorCodes = flags.errorCode;
  if (flags.eventType?.length) filter.eventTypes = flags.eventType;
  if (flags.search) filter.search = flags.search;
  if (flags.integration) filter.integrationId = await integrationId(conn, flags.integration);
  if (flags.since) {
    const now = Date.now();
    filter.range = { from: new Date(now - parseDuration(flags.since)).toISOString(), to: new Date(now + 1000).toISOString() };
  }
  return filter;
}

/** An integration named exactly (case-insensitive) as given, else the text itself as an id. */
export async function integrationId(conn: Connection, idOrName: string): Promise<string> {
  const found = await graphql<{ integrations: { edges: Array<{ node: { id: string; name: string } }> } }>(
    conn,
    'query($s: String) { integrations(first: 100, filter: { search: $s }) { edges { node { id name } } } }',
    { s: idOrName },
  );
  const exact = found.integrations.edges.filter((e) => e.node.name.toLowerCase() === idOrName.toLowerCase());
  if (exact.length > 1) throw new CliError(`${exact.length} integrations are named "${idOrName}": use the id`, 2);
  return exact[0]?.node.id ?? idOrName;
}
