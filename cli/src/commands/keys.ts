// `switchboard keys list|create|revoke`: API keys (ADMIN). A new key's secret is printed once.
import type { Command } from 'commander';
import pc from 'picocolors';
import { graphql } from '../client.ts';
import { enumList } from '../filters.ts';
import { note, printJson, printLine, table, when } from '../format.ts';
import type { Context } from '../main.ts';

const FIELDS = 'id name prefix scopes createdAt lastUsedAt revokedAt';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function keysCommand(program: Command, ctx: Context): void {
  const keys = program.command('keys').description('API keys');

  keys
    .command('list')
    .description("the workspace's keys, revoked ones included (never their secrets)")
    .action(async (_flags: unknown, cmd: Command) => {
      const { apiKeys } = await graphql<{ apiKeys: ApiKey[] }>(ctx.connection(cmd), `{ apiKeys { ${FIELDS} } }`);
      if (ctx.json(cmd)) return printJson({ apiKeys });
      printLine(
        table(
          ['name', 'prefix', 'scopes', 'created', 'last used', 'revoked', 'id'],
          apiKeys.map((k) => [
            k.name,
            k.prefix,
            k.scopes.join(','),
            when(k.createdAt),
            when(k.lastUsedAt),
            k.revokedAt ? pc.red(when(k.revokedAt)) : '',
            k.id,
          ]),
        ),
      );
    });

  keys
    .command('create')
    .description('a new key; its secret is shown once')
    .argument('<name>', 'what the key is for')
    .option('--scope <scopes>', 'READ, INGEST, ADMIN (comma-separated or repeated)', enumList)
    .action(async (name: string, flags: { scope?: string[] }, cmd: Command) => {
      const data = await graphql<{ createApiKey: { key: string; apiKey: ApiKey } }>(
        ctx.connection(cmd),
        `mutation($n: String!, $s: [ApiScope!]!) { createApiKey(name: $n, scopes: $s) { key apiKey { ${FIELDS} } } }`,
        { n: name, s: flags.scope?.length ? flags.scope : ['READ'] },
      );
      if (ctx.json(cmd)) return printJson(data.createApiKey);
      note(
        `created ${data.createApiKey.apiKey.name} (${data.createApiKey.apiKey.scopes.join(', ')}), id ${data.createApiKey.apiKey.id}; the key is shown only now:`,
      );
      printLine(data.createApiKey.key);
    });

  keys
    .command('revoke')
    .description('revoke a key at once (its live subscriptions are closed)')
    .argument('<id>', 'key id')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const { revokeApiKey } = await graphql<{ revokeApiKey: ApiKey }>(
        ctx.connection(cmd),
        `mutation($id: ID!) { revokeApiKey(id: $id) { ${FIELDS} } }`,
        { id },
      );
      if (ctx.json(cmd)) return printJson({ apiKey: revokeApiKey });
      printLine(`${revokeApiKey.name} (${revokeApiKey.prefix}…) revoked at ${when(revokeApiKey.revokedAt)}`);
    });
}
