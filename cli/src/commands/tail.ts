// `switchboard tail`: live failures (failureOccurred) or every status change (eventStatusChanged) over
// graphql-ws, one line each, until Ctrl-C. With --json, one JSON object per line.
import type { Command } from 'commander';
import pc from 'picocolors';
import { graphql, subscribe } from '../client.ts';
import { enumList, integrationId } from '../filters.ts';
import { note, printLine, status, when } from '../format.ts';
import type { Context } from '../main.ts';

const EVENT = 'id status eventType errorCode errorMessage attemptCount updatedAt traceId integration { id name type }';

interface LiveEvent {
  id: string;
  status: string;
  eventType: string;
  errorCode: string | null;
  errorMessage: string | null;
  attemptCount: number;
  updatedAt: string;
  integration: { id: string; name: string; type: string };
}

export function tailCommand(program: Command, ctx: Context): void {
  program
    .command('tail')
    .description('follow failures live (or every status change with --changes) until Ctrl-C')
    .option('-c, --changes', 'every status change, not only failures')
    .option('-s, --status <statuses>', 'with --changes: only these statuses', enumList)
    .option('-t, --type <types>', 'integration types', enumList)
    .option('-i, --integration <id-or-name>', 'one integration')
    .action(async (flags: { changes?: boolean; status?: string[]; type?: string[]; integration?: string }, cmd: Command) => {
      const conn = ctx.connection(cmd);
      const json = ctx.json(cmd);
      // Over HTTP first: a bad key or a wrong URL is then reported like for every other command.
      const { viewer } = await graphql<{ viewer: { name: string } }>(conn, '{ viewer { name } }');
      const integration = flags.integration ? await integrationId(conn, flags.integration) : undefined;
      const types = flags.type?.length ? flags.type : undefined;
      const [query, variables, field] = flags.changes
        ? [
            `subscription($f: EventSubscriptionFilter) { eventStatusChanged(filter: $f) { ${EVENT} } }`,
            { f: { integrationId: integration, types, statuses: flags.status?.length ? flags.status : undefined } },
            'eventStatusChanged',
          ]
        : [
            `subscription($i: ID, $t: [IntegrationType!]) { failureOccurred(integrationId: $i, types: $t) { ${EVENT} } }`,
            { i: integration, t: types },
            'failureOccurred',
          ];
      const what = flags.changes ? 'status changes' : 'failures';
      const sub = subscribe<Record<string, LiveEvent>>(conn, query, variables, {
        onConnected: () => note(`following ${what} in ${viewer.name} at ${conn.url} — Ctrl-C to stop`),
        onReconnected: () => note('reconnected (changes while disconnected are not shown)'),
        onData: (data) => {
          const e = data[field] as LiveEvent;
          if (json) return process.stdout.write(`${JSON.stringify(e)}\n`);
          const error = e.errorCode ? pc.red(e.errorCode) + (e.errorMessage ? pc.dim(` ${e.errorMessage.slice(0, 40)}`) : '') : '';
          printLine(
            [
              when(e.updatedAt),
              status(e.status.padEnd(10)),
              e.integration.name.padEnd(24),
              pc.cyan(e.eventType.padEnd(20)),
              `#${e.attemptCount}`.padEnd(3),
              pc.dim(e.id),
              error,
            ]
              .filter(Boolean)
              .join('  '),
          );
        },
      });
      const stop = () => void sub.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await sub.done;
    });
}
