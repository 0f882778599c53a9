// `switchboard integrations list|pause|resume|reconnect`.
import type { Command } from 'commander';
import pc from 'picocolors';
import { CliError, graphql } from '../client.ts';
import { enumList, integrationId } from '../filters.ts';
import { printJson, printLine, status, table, when } from '../format.ts';
import type { Context } from '../main.ts';

const FIELDS = 'id name type provider state stateReason updatedAt';
const LIST = `query($f: IntegrationFilter, $after: String) {
  integrations(first: 100, filter: $f, after: $after) {
    totalCount
    edges { node { ${FIELDS} environment health { successRate delivered failed retrying lastFailureAt } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Integration {
  id: string;
  name: string;
  type: string;
  provider: string;
  state: string;
  stateReason: string | null;
  health?: { successRate: number | null; delivered: number; failed: number; retrying: number; lastFailureAt: string | null };
}

export function integrationsCommand(program: Command, ctx: Context): void {
  const integrations = program.command('integrations').description('integrations and their lifecycle');

  integrations
    .command('list')
    .description('every integration with its state and the last 24 hours')
    .option('--state <states>', 'ACTIVE, PAUSED, ERROR, DISCONNECTED', enumList)
    .option('-t, --type <types>', 'integration types', enumList)
    .option('--search <text>', 'name contains')
    .action(async (flags: { state?: string[]; type?: string[]; search?: string }, cmd: Command) => {
      const conn = ctx.connection(cmd);
      const filter = { states: flags.state, types: flags.type, search: flags.search };
      const all: Integration[] = [];
      let after: string | null = null;
      do {
        const page: {
          integrations: { edges: Array<{ node: Integration }>; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
        } = await graphql(conn, LIST, { f: filter, after });
        all.push(...page.integrations.edges.map((e) => e.node));
        after = page.integrations.pageInfo.hasNextPage ? page.integrations.pageInfo.endCursor : null;
      } while (after);
      if (ctx.json(cmd)) return printJson({ integrations: all });
      if (!all.length) return printLine(pc.dim('no integrations match'));
      printLine(
        table(
          ['name', 'type', 'state', 'ok 24 h', 'failed', 'retrying', 'last failure', 'id'],
          all.map((i) => [
            i.name,
            i.type,
            status(i.state) + (i.stateReason ? pc.dim(` ${i.stateReason.slice(0, 40)}`) : ''),
            i.health?.successRate === null || i.health?.successRate === undefined ? '–' : `${(i.health.successRate * 100).toFixed(1)}%`,
            i.health?.failed,
            i.health?.retrying,
            when(i.health?.lastFailureAt),
            i.id,
          ]),
        ),
      );
    });

  const change = (name: string, description: string, mutation: string, extra?: (c: Command) => Command) => {
    const c = integrations.command(name).description(description).argument('<integration>', 'id or exact name');
    (extra ? extra(c) : c).action(async (idOrName: string, flags: { reason?: string; credentials?: string }, cmd: Command) => {
      const conn = ctx.connection(cmd);
      const id = await integrationId(conn, idOrName);
      let credentials: unknown;
      if (flags.credentials !== undefined) {
        try {
          credentials = JSON.parse(flags.credentials);
        } catch {
          throw new CliError('--credentials must be JSON, e.g. \'{"apiKey":"…"}\'', 2);
        }
      }
      const data = await graphql<Record<string, { integration: Integration }>>(conn, mutation, { id, reason: flags.reason, credentials });
      const integration = Object.values(data)[0]?.integration as Integration;
      if (ctx.json(cmd)) printJson({ integration });
      else
        printLine(
          `${integration.name}: ${status(integration.state)}${integration.stateReason ? pc.dim(` (${integration.stateReason})`) : ''}`,
        );
      // A reconnect whose test call failed leaves the state as it was: a script must be able to tell.
      if (name === 'reconnect' && integration.state !== 'ACTIVE') process.exitCode = 1;
    });
  };
  change(
    'pause',
    'stop sending (events are still accepted and held)',
    `mutation($id: ID!, $reason: String) { pauseIntegration(id: $id, reason: $reason) { integration { ${FIELDS} } } }`,
    (c) => c.option('--reason <text>', 'why (recorded in the state history)'),
  );
  change('resume', 'send again, held events in order', `mutation($id: ID!) { resumeIntegration(id: $id) { integration { ${FIELDS} } } }`);
  change(
    'reconnect',
    'test the connection (and new credentials) and return to ACTIVE if it works; exit 1 if it does not',
    `mutation($id: ID!, $credentials: JSON) { reconnectIntegration(id: $id, credentials: $credentials) { integration { ${FIELDS} } } }`,
    (c) => c.option('--credentials <json>', 'new credentials, stored only when the test succeeds'),
  );
}
