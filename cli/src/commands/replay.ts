// `switchboard replay`: re-opens DELIVERED or FAILED events. It says how many a filter matches
// (replayPreview) and asks before doing it; --yes skips the question, and without a terminal to ask on
// it refuses rather than guess.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import pc from 'picocolors';
import { CliError, graphql } from '../client.ts';
import { addFilterFlags, eventFilter, type FilterFlags } from '../filters.ts';
import { note, printJson, printLine } from '../format.ts';
import type { Context } from '../main.ts';

const PREVIEW = 'query($f: EventFilter!) { replayPreview(filter: $f) { count limit overLimit } }';
const REPLAY = 'mutation($f: EventFilter!) { replayEvents(filter: $f) { count } }';
const REPLAY_ONE = 'mutation($id: ID!) { replayEvent(id: $id) { id status } }';

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } catch (error) {
    // Ctrl-C at the question is a no.
    if ((error as Error).name === 'AbortError') {
      process.stderr.write('\n');
      return false;
    }
    throw error;
  } finally {
    rl.close();
  }
}

export function replayCommand(program: Command, ctx: Context): void {
  addFilterFlags(
    program
      .command('replay')
      .description('replay events (given ids, or every DELIVERED/FAILED event a filter matches), after saying how many')
      .argument('[ids...]', 'event ids (instead of a filter)')
      .option('-y, --yes', 'do not ask (for scripts)')
      .option('--dry-run', 'only say how many would be replayed'),
  ).action(async (ids: string[], flags: FilterFlags & { yes?: boolean; dryRun?: boolean }, cmd: Command) => {
    const conn = ctx.connection(cmd);
    const json = ctx.json(cmd);
    const byId = ids.length > 0;
    let count: number;
    let filter: Record<string, unknown> = {};
    if (byId) {
      count = ids.length;
    } else {
      filter = await eventFilter(conn, flags);
      const { replayPreview } = await graphql<{ replayPreview: { count: number; limit: number; overLimit: boolean } }>(conn, PREVIEW, {
        f: filter,
      });
      if (replayPreview.overLimit) {
        throw new CliError(
          `more than ${replayPreview.limit} events match; one replay re-opens at most ${replayPreview.limit}: narrow the filter`,
        );
      }
      count = replayPreview.count;
    }
    const what = `${count} event${count === 1 ? '' : 's'}`;
    if (count === 0 || flags.dryRun) {
      if (json) return printJson({ wouldReplay: count, replayed: 0 });
      return printLine(count === 0 ? 'no DELIVERED or FAILED event matches: nothing to replay' : `would replay ${what}`);
    }
    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new CliError(`would replay ${what}: pass --yes to confirm (no terminal to ask on)`);
      if (!(await confirm(`Replay ${what}?`))) throw new CliError('not replayed');
    }
    let replayed = 0;
    if (byId) {
      for (const id of ids) {
        await graphql(conn, REPLAY_ONE, { id });
        replayed++;
      }
    } else {
      replayed = (await graphql<{ replayEvents: { count: number } }>(conn, REPLAY, { f: filter })).replayEvents.count;
    }
    if (json) return printJson({ wouldReplay: count, replayed });
    printLine(`${pc.green('replayed')} ${replayed} event${replayed === 1 ? '' : 's'}`);
    if (!byId && replayed !== count) note(`(${count} matched a moment ago; the difference changed status meanwhile)`);
  });
}
