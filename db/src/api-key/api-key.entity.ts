import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import type { ApiScope } from '../domain.ts';
import { newId } from '../ids.ts';
import { Workspace } from '../workspace/workspace.entity.ts';

const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => newId()),
    workspace: () => p.manyToOne(Workspace).deleteRule('cascade'),
    name: p.string(),
    /** The visible, unique part of the key: `sbk_<prefix>`. */
    prefix: p.string().unique(),
    /** sha256 of the whole key. Keys carry 192 random bits, so a fast hash is enough (no password stretching needed). */
    secretHash: p.string().hidden(),
    scopes: p.array<ApiScope>(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
});

export class ApiKey extends ApiKeySchema.class {
  isActive(): boolean {
    return this.revokedAt == null;
  }

  hasScope(scope: ApiScope): boolean {
    return this.scopes.includes('ADMIN') || this.scopes.includes(scope);
  }

  matches(plainKey: string): boolean {
    const a = Buffer.from(hashApiKey(plainKey), 'hex');
    const b = Buffer.from(this.secretHash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
ApiKeySchema.setClass(ApiKey);
export { ApiKeySchema };

export function hashApiKey(plainKey: string): string {
  return createHash('sha256').update(plainKey).digest('hex');
}

/** A new key: `sbk_<8 hex prefix>_<32 base64url secret>`; the plain key is shown once, only its hash is stored. */
export function generateApiKey(): { key: string; prefix: string; secretHash: string } {
  const prefix = `sbk_${randomBytes(4).toString('hex')}`;
  const key = `${prefix}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix, secretHash: hashApiKey(key) };
}

/** The prefix part of a presented key, or null when it is not shaped like one of ours. */
export function apiKeyPrefix(plainKey: string): string | null {
  const m = /^(sbk_[0-9a-f]{8})_[A-Za-z0-9_-]{32}$/.exec(plainKey);
  return m ? (m[1] as string) : null;
}
