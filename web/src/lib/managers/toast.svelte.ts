export type ToastTone = 'info' | 'success' | 'error' | 'failure';

export interface Toast {
	id: number;
	tone: ToastTone;
	title: string;
	body?: string;
	href?: string;
	linkLabel?: string;
}

export interface ToastInput extends Omit<Toast, 'id'> {
	/** Milliseconds before it goes away by itself; 0 keeps it until dismissed. */
	timeout?: number;
}

const MAX_VISIBLE = 4;

/** Notifications shown in the corner. Written only in the browser (from events and user actions). */
class ToastManager {
	items = $state<Toast[]>([]);
	#nextId = 1;
	#timers = new Map<number, ReturnType<typeof setTimeout>>();

	push(input: ToastInput): number {
		const { timeout = input.tone === 'error' ? 8000 : 6000, ...toast } = input;
		const id = this.#nextId++;
		this.items = [...this.items, { ...toast, id }].slice(-MAX_VISIBLE);
		if (timeout > 0)
			this.#timers.set(
				id,
				setTimeout(() => this.dismiss(id), timeout)
			);
		return id;
	}

	dismiss(id: number) {
		clearTimeout(this.#timers.get(id));
		this.#timers.delete(id);
		this.items = this.items.filter((t) => t.id !== id);
	}

	clear() {
		for (const id of this.#timers.keys()) this.dismiss(id);
		this.items = [];
	}
}

export const toastManager = new ToastManager();
