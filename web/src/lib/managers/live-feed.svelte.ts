import type { Client } from '@urql/core';
import { FailureOccurredSubscription } from '#lib/graphql/events.ts';
import type { ResultOf } from '#lib/graphql/graphql.ts';
import type { LiveConnectionStatus } from '#lib/graphql/client.ts';
import { integrationTypeShortLabel } from '#lib/utils/labels.ts';
import { toastManager } from './toast.svelte.ts';

export type LiveFailure = ResultOf<typeof FailureOccurredSubscription>['failureOccurred'];

const KEEP = 50;
/** Failures arriving within this window are announced together rather than one toast each. */
const BURST_MS = 4000;

/**
 * The workspace-wide failure feed: one `failureOccurred` subscription for the whole console. Pages
 * read `version` to refresh their numbers when something fails, and the shell shows the unseen count.
 */
class LiveFeed {
	status = $state<LiveConnectionStatus>('idle');
	recent = $state<LiveFailure[]>([]);
	/** Distinct events that failed since the operator last looked, by their latest status (one event retrying three times is one). */
	unseen = $state(0);
	unseenFailed = $state(0);
	unseenRetrying = $state(0);
	#unseenStatus = new Map<string, string>();
	/** Increments on every failure: depend on it to refresh when failures arrive. */
	version = $state(0);

	#unsubscribe: (() => void) | undefined;
	#burst: LiveFailure[] = [];
	#burstTimer: ReturnType<typeof setTimeout> | undefined;

	start(client: Client) {
		this.stop();
		const subscription = client.subscription(FailureOccurredSubscription, {}).subscribe((result) => {
			if (result.data) this.receive(result.data.failureOccurred);
		});
		this.#unsubscribe = () => subscription.unsubscribe();
	}

	stop() {
		this.#unsubscribe?.();
		this.#unsubscribe = undefined;
		clearTimeout(this.#burstTimer);
		this.#burstTimer = undefined;
		this.#burst = [];
	}

	setStatus(status: LiveConnectionStatus) {
		this.status = status;
	}

	receive(failure: LiveFailure) {
		this.recent = [failure, ...this.recent.filter((f) => f.id !== failure.id)].slice(0, KEEP);
		this.#unseenStatus.set(failure.id, failure.status);
		this.#countUnseen();
		this.version++;
		this.#announce(failure);
	}

	markSeen() {
		this.#unseenStatus.clear();
		this.#countUnseen();
	}

	#countUnseen() {
		let failed = 0;
		for (const status of this.#unseenStatus.values()) if (status === 'FAILED') failed++;
		this.unseen = this.#unseenStatus.size;
		this.unseenFailed = failed;
		this.unseenRetrying = this.unseen - failed;
	}

	#announce(failure: LiveFailure) {
		this.#burst.push(failure);
		if (this.#burstTimer) return;
		this.#flush();
		this.#burstTimer = setTimeout(() => {
			this.#burstTimer = undefined;
			if (this.#burst.length) this.#flush();
		}, BURST_MS);
	}

	#flush() {
		const batch = this.#burst;
		this.#burst = [];
		const [first] = batch;
		if (!first) return;
		if (batch.length === 1) {
			const retrying = first.status === 'RETRYING';
			toastManager.push({
				tone: 'failure',
				title: `${retrying ? 'Delivery failed, retrying' : 'Delivery failed'}: ${first.integration.name}`,
				body: `${first.eventType} · ${first.errorCode ?? 'error'}${first.errorMessage ? ` — ${first.errorMessage}` : ''} (${integrationTypeShortLabel[first.integration.type]})`,
				href: `/events/${encodeURIComponent(first.id)}`,
				linkLabel: 'Open event'
			});
		} else {
			const names = [...new Set(batch.map((f) => f.integration.name))];
			toastManager.push({
				tone: 'failure',
				title: `${batch.length} more failures`,
				body: names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`,
				href: '/events?status=FAILED,RETRYING',
				linkLabel: 'Open event log'
			});
		}
	}
}

export const liveFeed = new LiveFeed();
