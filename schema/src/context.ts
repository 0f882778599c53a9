import type { ApiScope, EntityManager } from '@switchboard/db';

/** Who is calling: a workspace's API key, or the root key (which may only create workspaces). */
export type Viewer =
  | { kind: 'key'; workspaceId: string; apiKeyId: string; keyName: string; scopes: readonly ApiScope[] }
  | { kind: 'root' };

/** Per-request context. `em` is forked per request; nothing reaches a global ORM. */
export interface GraphQLContext {
  em: EntityManager;
  viewer: Viewer | null;
}
