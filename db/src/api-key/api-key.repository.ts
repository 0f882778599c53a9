import type { EntityManager } from '@mikro-orm/postgresql';
import type { ApiScope } from '../domain.ts';
import { UnauthenticatedError } from '../errors.ts';
import type { Workspace } from '../workspace/workspace.entity.ts';
import { ApiKey, apiKeyPrefix, generateApiKey } from './api-key.entity.ts';

/** Finds the active key a caller presented; UnauthenticatedError for anything else (same message whatever the reason). */
export async function authenticateApiKey(em: EntityManager, plainKey: string): Promise<ApiKey> {
  const prefix = apiKeyPrefix(plainKey);
  const key = prefix ? await em.findOne(ApiKey, { prefix }, { populate: ['workspace'] }) : null;
  if (!key?.isActive() || !key.matches(plainKey)) throw new UnauthenticatedError('The API key is missing, malformed, unknown or revoked');
  return key;
}

/** Records use at most once a minute per key, so authentication stays a read on the hot path. */
export async function touchApiKey(em: EntityManager, key: ApiKey, now = new Date()): Promise<void> {
  if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() < 60_000) return;
  key.lastUsedAt = now;
  await recordApiKeyUse(em, key.id, now);
}

/** Sets a key's lastUsedAt (never backwards). */
export async function recordApiKeyUse(em: EntityManager, apiKeyId: string, at: Date): Promise<void> {
  await em.nativeUpdate(ApiKey, { id: apiKeyId, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: at } }] }, { lastUsedAt: at });
}

/** Creates a key; the plain key is returned once and never stored. */
export function createApiKey(em: EntityManager, workspace: Workspace, name: string, scopes: ApiScope[]): { apiKey: ApiKey; key: string } {
  const { key, prefix, secretHash } = generateApiKey();
  const apiKey = em.create(ApiKey, { workspace, name, prefix, secretHash, scopes: [...new Set(scopes)] });
  return { apiKey, key };
}
