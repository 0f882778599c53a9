import type { AnyVariables, CombinedError, RequestPolicy, TypedDocumentNode } from '@urql/core';
import { getClient } from './client.ts';

export interface QueryState<Data> {
	/** The latest data. Kept while new variables load, so a page does not flash back to skeletons. */
	readonly data: Data | undefined;
	readonly error: CombinedError | undefined;
	/** A request is in flight (first load, new variables, or a refresh). */
	readonly fetching: boolean;
	/** Fetch again from the network, keeping what is shown until the answer arrives. */
	refetch(): void;
}

export interface QueryOptions {
	requestPolicy?: RequestPolicy;
}

/**
 * A rune-based query over @urql/core. `variables` is read reactively: when what it returns changes
 * the query re-runs; returning `null` pauses it. Call during component initialisation.
 */
export function useQuery<Data, Variables extends AnyVariables>(
	document: TypedDocumentNode<Data, Variables>,
	variables: () => Variables | null,
	options: QueryOptions = {}
): QueryState<Data> {
	const client = getClient();
	let data = $state.raw<Data | undefined>();
	let error = $state.raw<CombinedError | undefined>();
	let fetching = $state(false);
	let refreshes = $state(0);
	let handledRefreshes = 0;

	$effect(() => {
		const vars = variables();
		const forced = refreshes > handledRefreshes;
		handledRefreshes = refreshes;
		if (vars === null) {
			fetching = false;
			return;
		}
		fetching = true;
		const requestPolicy = forced ? 'network-only' : (options.requestPolicy ?? 'cache-and-network');
		const subscription = client.query(document, vars, { requestPolicy }).subscribe((result) => {
			error = result.error;
			if (result.data !== undefined) data = result.data;
			else if (result.error) data = undefined;
			fetching = result.stale === true;
		});
		return () => subscription.unsubscribe();
	});

	return {
		get data() {
			return data;
		},
		get error() {
			return error;
		},
		get fetching() {
			return fetching;
		},
		refetch() {
			refreshes++;
		}
	};
}

/**
 * A live subscription: `onData` runs for every pushed result. `variables` returning `null` pauses it.
 * Call during component initialisation; it ends with the component.
 */
export function useSubscription<Data, Variables extends AnyVariables>(
	document: TypedDocumentNode<Data, Variables>,
	variables: () => Variables | null,
	onData: (data: Data) => void
): { readonly error: CombinedError | undefined } {
	const client = getClient();
	let error = $state.raw<CombinedError | undefined>();
	$effect(() => {
		const vars = variables();
		if (vars === null) return;
		const subscription = client.subscription(document, vars).subscribe((result) => {
			error = result.error;
			if (result.data) onData(result.data);
		});
		return () => subscription.unsubscribe();
	});
	return {
		get error() {
			return error;
		}
	};
}

/** Runs a mutation; throws the CombinedError on failure so the caller can `handleError` it. */
export async function runMutation<Data, Variables extends AnyVariables>(
	client: ReturnType<typeof getClient>,
	document: TypedDocumentNode<Data, Variables>,
	variables: Variables
): Promise<Data> {
	const result = await client.mutation(document, variables).toPromise();
	if (result.error) throw result.error;
	if (result.data === undefined) throw new Error('The server returned no data.');
	return result.data;
}

interface Connection<Node> {
	edges: readonly { node: Node }[];
	pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

export interface ConnectionState<Data, Node> {
	readonly data: Data | undefined;
	readonly error: CombinedError | undefined;
	readonly fetching: boolean;
	/** First page plus every page loaded with `loadMore`, without duplicates. */
	readonly nodes: Node[];
	readonly hasNextPage: boolean;
	readonly loadingMore: boolean;
	loadMore(): Promise<void>;
	refetch(): void;
}

/**
 * A Relay connection read page by page with keyset cursors ("load more"). The first page is a
 * normal cache-and-network query; later pages are appended and dropped when the variables change.
 */
export function useConnection<Data, Variables extends AnyVariables & { after?: string | null }, Node extends { id: string }>(
	document: TypedDocumentNode<Data, Variables>,
	variables: () => Omit<Variables, 'after'> | null,
	select: (data: Data) => Connection<Node>
): ConnectionState<Data, Node> {
	const client = getClient();
	const first = useQuery(document, () => {
		const vars = variables();
		return vars === null ? null : ({ ...vars, after: null } as unknown as Variables);
	});
	let extra = $state.raw<{ key: string; nodes: Node[]; pageInfo: Connection<Node>['pageInfo'] } | null>(null);
	let loadingMore = $state(false);
	const key = $derived(JSON.stringify(variables()));

	const nodes = $derived.by(() => {
		const firstNodes = first.data ? select(first.data).edges.map((e) => e.node) : [];
		const more = extra && extra.key === key ? extra.nodes : [];
		const seen = new Set<string>();
		return [...firstNodes, ...more].filter((n) => {
			if (seen.has(n.id)) return false;
			seen.add(n.id);
			return true;
		});
	});
	const pageInfo = $derived(
		extra && extra.key === key ? extra.pageInfo : first.data ? select(first.data).pageInfo : { hasNextPage: false, endCursor: null }
	);

	return {
		get data() {
			return first.data;
		},
		get error() {
			return first.error;
		},
		get fetching() {
			return first.fetching;
		},
		get nodes() {
			return nodes;
		},
		get hasNextPage() {
			return pageInfo.hasNextPage;
		},
		get loadingMore() {
			return loadingMore;
		},
		async loadMore() {
			const vars = variables();
			if (vars === null || !pageInfo.hasNextPage || loadingMore) return;
			const requestKey = key;
			loadingMore = true;
			try {
				const result = await client
					.query(document, { ...vars, after: pageInfo.endCursor ?? null } as unknown as Variables, { requestPolicy: 'network-only' })
					.toPromise();
				if (result.error) throw result.error;
				if (!result.data || requestKey !== key) return;
				const page = select(result.data);
				const previous = extra && extra.key === requestKey ? extra.nodes : [];
				extra = { key: requestKey, nodes: [...previous, ...page.edges.map((e) => e.node)], pageInfo: page.pageInfo };
			} finally {
				loadingMore = false;
			}
		},
		refetch() {
			extra = null;
			first.refetch();
		}
	};
}
