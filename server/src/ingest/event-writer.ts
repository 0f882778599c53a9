// Group commit for new events. Concurrent requests queue their rows; whenever a writer is free it
// takes everything queued (up to a batch) and stores it with ONE multi-row insert, so under load a
// round trip and a commit are shared by hundreds of requests, while a lone request still goes out
// at once. Every request is answered only after the statement holding its rows has committed.
import {
  type EntityManager,
  type EventChange,
  type ExistingEventRef,
  findEventsByIdempotencyKeys,
  insertEvents,
  type NewEventRow,
} from '@switchboard/db';
import { refusalReason, storeIsolating } from '../batch-isolation.ts';
import type { AnnounceGate } from '../live/announce-gate.ts';

export type WriteOutcome =
  | { kind: 'created'; id: string; change: EventChange }
  | { kind: 'duplicate'; id: string; status: ExistingEventRef['status'] }
  /** Not stored: the integration is DISCONNECTED (or was deleted) by the time of the commit. */
  | { kind: 'refused' };

type Created = Extract<WriteOutcome, { kind: 'created' }>;

interface Pending {
  rows: NewEventRow[];
  resolve(outcomes: WriteOutcome[]): void;
  reject(err: unknown): void;
}

export interface EventWriterOptions {
  em: () => EntityManager;
  batchSize: number;
  writers: number;
  onCommitted?(changes: EventChange[]): void;
  onBatch?(rows: number, ms: number): void;
  /** A request's rows the database refused (set aside with a 400; the rest of its batch committed). */
  onRefused?(rows: number, err: unknown): void;
  /** Held open from before each insert until its onCommitted has run (see live/announce-gate.ts). */
  gate?: AnnounceGate;
}

export class EventWriter {
  readonly #opts: EventWriterOptions;
  #queue: Pending[] = [];
  #queuedRows = 0;
  #inFlight = 0;
  #idle: Array<() => void> = [];

  constructor(opts: EventWriterOptions) {
    this.#opts = opts;
  }

  /** Stores these rows (all in the same statement, hence the same transaction); resolves after commit. */
  write(rows: NewEventRow[]): Promise<WriteOutcome[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ rows, resolve, reject });
      this.#queuedRows += rows.length;
      this.#drain();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async drained(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }

  #drain(): void {
    while (this.#inFlight < this.#opts.writers && this.#queue.length > 0) {
      const batch: Pending[] = [];
      let n = 0;
      while (this.#queue.length > 0 && (n === 0 || n + (this.#queue[0] as Pending).rows.length <= this.#opts.batchSize)) {
        const p = this.#queue.shift() as Pending;
        batch.push(p);
        n += p.rows.length;
      }
      this.#queuedRows -= n;
      this.#inFlight++;
      void this.#flush(batch, n).finally(() => {
        this.#inFlight--;
        if (this.#queue.length > 0) this.#drain();
        else if (this.#inFlight === 0) for (const f of this.#idle.splice(0)) f();
      });
    }
  }

  async #flush(batch: Pending[], n: number): Promise<void> {
    const started = performance.now();
    const announced = this.#opts.gate?.begin();
    try {
      // A request whose rows the database refuses fails alone (400); the rest of the batch commits.
      const { results, unavailable } = await storeIsolating(
        batch,
        (part) => this.#store(part),
        (p, err) => {
          this.#opts.onRefused?.(p.rows.length, err);
          p.reject(new UnstorableEventError(refusalReason(err)));
        },
      );
      if (unavailable) for (const p of unavailable.items) p.reject(unavailable.error);
      this.#opts.onBatch?.(n, performance.now() - started);
      // Announced before anyone is answered, so a caller that hears "created" can count on its RECEIVED being out.
      const created = results.flatMap((r) => r.created);
      if (created.length > 0) this.#opts.onCommitted?.(created.map((c) => c.change));
      for (const r of results) for (const [p, outcomes] of r.answers) p.resolve(outcomes);
    } finally {
      announced?.();
    }
  }

  /** One multi-row insert for these requests: what was created, and each request's answer once it has committed. */
  async #store(batch: Pending[]): Promise<{ created: Created[]; answers: Array<[Pending, WriteOutcome[]]> }> {
    // Repeats of one idempotency key inside the batch: the first is written, the rest answer as its duplicates.
    const firstByKey = new Map<string, NewEventRow>();
    const rows: NewEventRow[] = [];
    for (const p of batch) {
      for (const r of p.rows) {
        if (r.idempotencyKey !== null) {
          const k = `${r.integrationId}\u0000${r.idempotencyKey}`;
          if (firstByKey.has(k)) continue;
          firstByKey.set(k, r);
        }
        rows.push(r);
      }
    }
    const em = this.#opts.em();
    const inserted = await insertEvents(em, rows);
    const created = new Map(inserted.map((r) => [r.eventId, r]));
    const missingKeys = rows
      .filter((r) => !created.has(r.id) && r.idempotencyKey !== null)
      .map((r) => ({ integrationId: r.integrationId, idempotencyKey: r.idempotencyKey as string }));
    const existing = new Map<string, ExistingEventRef>();
    for (const e of await findEventsByIdempotencyKeys(em, missingKeys)) existing.set(`${e.integrationId}\u0000${e.idempotencyKey}`, e);
    const createdOutcomes: Created[] = [];
    const outcomeOf = (r: NewEventRow): WriteOutcome => {
      const c = created.get(r.id);
      if (c) return { kind: 'created', id: c.eventId, change: c };
      if (r.idempotencyKey !== null) {
        const k = `${r.integrationId}\u0000${r.idempotencyKey}`;
        const first = firstByKey.get(k);
        const firstCreated = first && first.id !== r.id ? created.get(first.id) : undefined;
        if (firstCreated) return { kind: 'duplicate', id: firstCreated.eventId, status: 'RECEIVED' };
        const e = existing.get(k);
        if (e) return { kind: 'duplicate', id: e.id, status: e.status };
      }
      return { kind: 'refused' };
    };
    const answers = batch.map((p): [Pending, WriteOutcome[]] => {
      const outcomes = p.rows.map(outcomeOf);
      for (const o of outcomes) if (o.kind === 'created') createdOutcomes.push(o);
      return [p, outcomes];
    });
    return { created: createdOutcomes, answers };
  }
}

/** The database refused this request's rows for their contents (the client's input): a 400, never a 500. */
export class UnstorableEventError extends Error {
  override name = 'UnstorableEventError';
}
