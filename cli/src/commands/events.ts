// `switchboard events list|get`: the event log, and one event with every attempt's request and response.
import type { Command } from 'commander';
import pc from 'picocolors';
import { CliError, graphql } from '../client.ts';
import { addFilterFlags, eventFilter, type FilterFlags } from '../filters.ts';
import { body, printJson, printLine, sideBySide, status, table, when } from '../format.ts';
import type { Context } from '../main.ts';

const LIST = `query($f: EventFilter, $first: Int, $after: String) {
  events(filter: $f, first: $first, after: $after) {
    edges { node { id status eventType errorCode attemptCount receivedAt traceId integration { id name type } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const GET = `query($id: ID!) {
  event(id: $id) {
    id status eventType errorCode errorMessage attemptCount receivedAt deliveredAt nextAttemptAt traceId
    idempotencyKey sourceRecordId destinationRecordId isTest payloadExpired
    integration { id name type provider }
    statusHistory { at from to reason }
    attempts {
      attemptNumber startedAt durationMs succeeded errorCode errorMessage
      request { method url headers { name value } body }
      response { statusCode headers { name value } body }
    }
  }
}`;

interface EventRow {
  id: string;
  status: string;
  eventType: string;
  errorCode: string | null;
  attemptCount: number;
  receivedAt: string;
  integration: { name: string; type: string };
}

interface Header {
  name: string;
  value: string;
}

interface Attempt {
  attemptNumber: number;
  startedAt: string;
  durationMs: number | null;
  succeeded: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  request: { method: string; url: string; headers: Header[]; body: string | null };
  response: { statusCode: number; headers: Header[]; body: string | null } | null;
}

export function eventsCommand(program: Command, ctx: Context): void {
  const events = program.command('events').description('the event log');

  addFilterFlags(
    events
      .command('list')
      .description('events, newest first')
      .option('-n, --limit <n>', 'how many (at most 100)', (v) => Number.parseInt(v, 10), 20)
      .option('--after <cursor>', 'the page after this cursor (printed under the table)'),
  ).action(async (flags: FilterFlags & { limit: number; after?: string }, cmd: Command) => {
    const conn = ctx.connection(cmd);
    const data = await graphql<{
      events: { edges: Array<{ node: EventRow }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    }>(conn, LIST, { f: await eventFilter(conn, flags), first: flags.limit, after: flags.after });
    const rows = data.events.edges.map((e) => e.node);
    if (ctx.json(cmd)) return printJson({ events: rows, pageInfo: data.events.pageInfo });
    if (!rows.length) return printLine(pc.dim('no events match'));
    printLine(
      table(
        ['received', 'status', 'integration', 'event type', 'error', 'attempts', 'id'],
        rows.map((e) => [when(e.receivedAt), status(e.status), e.integration.name, e.eventType, e.errorCode, e.attemptCount, e.id]),
      ),
    );
    if (data.events.pageInfo.hasNextPage) printLine(pc.dim(`more: --after ${data.events.pageInfo.endCursor}`));
  });

  events
    .command('get')
    .description("one event: its history and every attempt's request and response, side by side")
    .argument('<id>', 'event id')
    .option('--full', 'show whole bodies (otherwise 40 lines each)')
    .action(async (id: string, flags: { full?: boolean }, cmd: Command) => {
      const conn = ctx.connection(cmd);
      const data = await graphql<{ event: (EventRow & Record<string, unknown> & { attempts: Attempt[] }) | null }>(conn, GET, { id });
      if (!data.event) throw new CliError(`no event ${id} in this workspace`);
      const e = data.event;
      if (ctx.json(cmd)) return printJson(e);
      const history = e.statusHistory as Array<{ at: string; from: string | null; to: string; reason: string | null }>;
      printLine(`${pc.bold(e.eventType)}  ${status(e.status)}  ${e.integration.name} (${e.integration.type})  ${pc.dim(e.id)}`);
      printLine(
        pc.dim(
          `received ${when(e.receivedAt)} · trace ${e.traceId} · ${e.attemptCount} attempt${e.attemptCount === 1 ? '' : 's'}` +
            (e.errorCode ? ` · ${e.errorCode}: ${e.errorMessage ?? ''}` : ''),
        ),
      );
      printLine(
        history
          .map((h) => `${when(h.at)} ${h.from ? `${status(h.from)} → ` : ''}${status(h.to)}${h.reason ? pc.dim(` (${h.reason})`) : ''}`)
          .join('\n'),
      );
      const maxLines = flags.full ? Number.POSITIVE_INFINITY : 40;
      for (const a of e.attempts) {
        const outcome = a.succeeded ? pc.green('succeeded') : pc.red(`failed ${a.errorCode ?? ''}`);
        printLine(
          `\n${pc.bold(`attempt ${a.attemptNumber}`)}  ${when(a.startedAt)}  ${a.durationMs ?? '?'} ms  ${outcome}${a.errorMessage ? pc.dim(` ${a.errorMessage}`) : ''}`,
        );
        const headers = (hs: Header[]) => hs.map((h) => `${h.name}: ${h.value}`).join('\n');
        const request = `${a.request.method} ${a.request.url}\n${headers(a.request.headers)}\n\n${body(a.request.body)}`;
        const response = a.response
          ? `${a.response.statusCode}\n${headers(a.response.headers)}\n\n${body(a.response.body)}`
          : `no response (${a.errorCode ?? 'no answer'})`;
        printLine(sideBySide({ title: 'request', text: request }, { title: 'response', text: response }, maxLines));
      }
    });
}
