import { getContext, setContext } from 'svelte';
import type { ApiScope } from '#lib/graphql/enums.ts';

export interface WorkspaceContext {
	readonly name: string;
	readonly timezone: string;
	readonly scopes: readonly ApiScope[];
	readonly isAdmin: boolean;
}

const KEY = Symbol('switchboard.workspace');

const FALLBACK: WorkspaceContext = { name: '', timezone: 'UTC', scopes: ['READ'], isAdmin: false };

/**
 * The signed-in workspace and key, per page tree (context rather than a module singleton, so
 * server rendering never shares one operator's workspace with another request).
 */
export function setWorkspace(get: () => WorkspaceContext): void {
	setContext<WorkspaceContext>(KEY, {
		get name() {
			return get().name;
		},
		get timezone() {
			return get().timezone;
		},
		get scopes() {
			return get().scopes;
		},
		get isAdmin() {
			return get().isAdmin;
		}
	});
}

export function getWorkspace(): WorkspaceContext {
	return getContext<WorkspaceContext | undefined>(KEY) ?? FALLBACK;
}

export const WORKSPACE_CONTEXT_KEY = KEY;
