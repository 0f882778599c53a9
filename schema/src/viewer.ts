// Who is asking, as resolvers need it: the caller's workspace (every lookup is confined to it) and
// the name recorded as the actor of a change.
import { decodeIdOf, type IdKind, UnauthenticatedError } from '@switchboard/db';
import type { GraphQLContext } from './context.ts';

/** The caller's workspace id; throws for the root key, which has none. */
export function workspaceIdOf(ctx: GraphQLContext): string {
  if (ctx.viewer?.kind !== 'key') throw new UnauthenticatedError('This operation needs a workspace API key');
  return ctx.viewer.workspaceId;
}

/** The actor recorded on state changes: the API key's name. */
export function actorOf(ctx: GraphQLContext): string {
  return ctx.viewer?.kind === 'key' ? ctx.viewer.keyName : 'root';
}

/** The row id behind a public ID of the expected kind, or null (malformed and wrong-kind IDs are simply not found). */
export function rowId(kind: IdKind, publicId: string): string | null {
  return decodeIdOf(kind, publicId);
}
