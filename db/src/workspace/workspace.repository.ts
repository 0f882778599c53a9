import type { EntityManager } from '@mikro-orm/postgresql';
import { createApiKey } from '../api-key/api-key.repository.ts';
import type { ApiKey } from '../api-key/api-key.entity.ts';
import { BadInputError } from '../errors.ts';
import { isValidTimezone, Workspace } from './workspace.entity.ts';

/** A new workspace with its first ADMIN key (shown once). Flushes. */
export async function createWorkspace(
  em: EntityManager,
  name: string,
  timezone = 'UTC',
): Promise<{ workspace: Workspace; adminKey: string; apiKey: ApiKey }> {
  const trimmed = name.trim();
  if (!trimmed) throw new BadInputError('Workspace name must not be empty');
  if (trimmed.length > 200) throw new BadInputError('Workspace name must be at most 200 characters');
  if (!isValidTimezone(timezone)) throw new BadInputError(`Unknown timezone "${timezone}" (use an IANA name such as Europe/Berlin)`);
  const workspace = em.create(Workspace, { name: trimmed, timezone });
  const { apiKey, key } = createApiKey(em, workspace, 'admin', ['ADMIN']);
  await em.flush();
  return { workspace, adminKey: key, apiKey };
}
