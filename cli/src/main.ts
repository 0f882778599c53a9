#!/usr/bin/env node
// switchboard: the operator's command line. Talks only to the public API (GraphQL over HTTP, graphql-ws)
// with an API key; every command takes --json. Errors are one line on stderr and a non-zero exit.
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { CliError, type Connection, connectionFrom } from './client.ts';
import { eventsCommand } from './commands/events.ts';
import { integrationsCommand } from './commands/integrations.ts';
import { keysCommand } from './commands/keys.ts';
import { replayCommand } from './commands/replay.ts';
import { tailCommand } from './commands/tail.ts';

export interface Context {
  connection(cmd: Command): Connection;
  json(cmd: Command): boolean;
}

const program = new Command('switchboard')
  .description('Switchboard from a terminal: follow failures, read events, replay, manage integrations and keys')
  .option('--url <url>', 'server base URL (default: $SWITCHBOARD_URL, else http://127.0.0.1:4000)')
  .option('--key <key>', 'API key (default: $SWITCHBOARD_KEY)')
  .option('--json', 'machine-readable output (JSON; JSON lines for tail)')
  .showHelpAfterError('(switchboard --help for usage)')
  .exitOverride();

const ctx: Context = {
  connection: (cmd) => connectionFrom(cmd.optsWithGlobals<{ url?: string; key?: string }>()),
  json: (cmd) => Boolean(cmd.optsWithGlobals<{ json?: boolean }>().json),
};

tailCommand(program, ctx);
eventsCommand(program, ctx);
replayCommand(program, ctx);
integrationsCommand(program, ctx);
keysCommand(program, ctx);

// Subcommands report their own usage errors through exitOverride too.
for (const cmd of program.commands) {
  cmd.exitOverride();
  for (const sub of cmd.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are not failures; commander has already printed the message.
    process.exitCode =
      error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version' ? 0 : 2;
  } else if (error instanceof CliError) {
    process.stderr.write(`${pc.red('switchboard:')} ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`${pc.red('switchboard:')} unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
