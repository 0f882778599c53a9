// The worker's side of delivery protection (DESIGN.md "Delivery protection"), kept out of the worker's
// loop so it stays a few calls there:
// - Fairness: each integration has at most its cap of deliveries in flight in this worker (its
//   maxInFlight, else a sixteenth of the worker's concurrency) — the claim takes no more of its events —
//   so a slow destination holds its cap, never the worker. Retries may hold at most RETRY_SHARE of the
//   worker's slots: past that, the claim takes first attempts only.
// - Circuit breaker: when every attempt to an integration has failed with network or 5xx codes for the
//   window (and at least CIRCUIT_MIN_FAILURES in a row), its circuit opens: the claim skips it, so its
//   events are held with their retry budget. One probe event is tried on an exponential backoff (its
//   failed attempts are not charged to its budget); the first answer closes the circuit and the held
//   events are due at once, in the order received. State is on the integration row: every worker
//   process shares it, and one process wins each probe.
import {
  abandonProbes,
  type CircuitOutcome,
  type ClaimedEvent,
  type Database,
  type EntityManager,
  type EventCompletion,
  startProbes,
  updateCircuits,
} from '@switchboard/db';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { MAX_FREE_ATTEMPTS } from './throttle.ts';

/** Share of the worker's slots retries may hold; the rest is kept for first attempts. */
export const RETRY_SHARE = 0.75;
/** Circuit breaker defaults (real time; multiplied by SWITCHBOARD_TIME_SCALE). */
export const CIRCUIT_WINDOW_MS = 30_000;
export const CIRCUIT_MIN_FAILURES = 5;
export const CIRCUIT_PROBE_BASE_MS = 5_000;
export const CIRCUIT_PROBE_MAX_MS = 5 * 60_000;
/** Codes that say the destination is down (not that it refused the request). */
const DOWN = /^(5\d\d|408|TIMEOUT|CONNECTION_REFUSED|DNS|TLS)$/;

export function isDownCode(code: string | null): boolean {
  return code !== null && DOWN.test(code);
}

/** One finished delivery, as the breaker sees it (in the order they finished). */
export interface SentOutcome {
  integrationId: string;
  succeeded: boolean;
  errorCode: string | null;
  at: Date;
}

/** Per integration: whether the destination answered since its last down failure, and when the current run of down failures began. */
export function circuitOutcomes(sent: readonly SentOutcome[]): CircuitOutcome[] {
  const by = new Map<string, CircuitOutcome>();
  for (const s of sent) {
    // 429 says nothing about being down (the throttle handles it).
    if (!s.succeeded && s.errorCode === '429') continue;
    let o = by.get(s.integrationId);
    if (!o) {
      o = { integrationId: s.integrationId, reset: false, downSince: null, failures: 0 };
      by.set(s.integrationId, o);
    }
    if (!s.succeeded && isDownCode(s.errorCode)) {
      o.downSince ??= s.at;
      o.failures++;
    } else {
      o.reset = true;
      o.downSince = null;
      o.failures = 0;
    }
  }
  return [...by.values()];
}

/** A failed probe is not charged to its event's retry budget (it is due again with the next probe). Bounded like a 429. */
export function freeProbeAttempt(
  event: ClaimedEvent,
  succeeded: boolean,
  errorCode: string | null,
  isProbe: boolean,
  now: Date,
): Pick<EventCompletion, 'status' | 'nextAttemptAt' | 'errorCode' | 'reason'> | null {
  if (!isProbe || succeeded || !isDownCode(errorCode) || event.attemptCount >= MAX_FREE_ATTEMPTS) return null;
  return {
    status: 'RETRYING',
    nextAttemptAt: now,
    errorCode,
    reason: `circuit probe failed (${errorCode}); the circuit stays open; not charged to the retry budget`,
  };
}

export class DeliveryProtection {
  readonly #config: Config;
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #metrics: Metrics;
  readonly #inFlight = new Map<string, number>();
  #retriesInFlight = 0;
  readonly #retry = new Set<string>();
  /** Events sent as their circuit's probe. */
  readonly #probes = new Set<string>();
  #nextProbeCheck = 0;
  /**
   * Integrations whose breaker this process must tell about an answer: it saw them fail with a down code,
   * or probes them. Answers from the others change nothing (their failing_since is already null, or a
   * stale one is cut short by the run length; see updateCircuits), so a healthy batch costs no statement.
   */
  readonly #suspect = new Set<string>();

  constructor(deps: { config: Config; db: Database; logger: Logger; metrics: Metrics }) {
    this.#config = deps.config;
    this.#db = deps.db;
    this.#logger = deps.logger;
    this.#metrics = deps.metrics;
  }

  #em(): EntityManager {
    return this.#db.orm.em.fork() as EntityManager;
  }

  get defaultCap(): number {
    return Math.max(1, Math.floor(this.#config.workerConcurrency / 16));
  }

  #scaled(ms: number): number {
    return Math.max(1, Math.round(ms * this.#config.timeScale));
  }

  /** Open circuits whose probe is due, now HALF_OPEN and this worker's to probe (looked at once per poll interval). */
  async probesDue(now: Date): Promise<string[]> {
    if (!this.#config.circuitBreaker || now.getTime() < this.#nextProbeCheck) return [];
    this.#nextProbeCheck = now.getTime() + Math.min(this.#config.workerPollMs, this.#scaled(CIRCUIT_PROBE_BASE_MS));
    try {
      return await startProbes(this.#em(), now, this.#config.leaseMs * 2);
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'worker: looking for circuit probes failed');
      return [];
    }
  }

  /** The claim's fairness options. */
  claimOptions(): { inFlightCap: { defaultCap: number; inFlight: ReadonlyMap<string, number> }; firstAttemptsOnly: boolean } {
    return {
      inFlightCap: { defaultCap: this.defaultCap, inFlight: this.#inFlight },
      firstAttemptsOnly: this.#retriesInFlight >= Math.ceil(this.#config.workerConcurrency * RETRY_SHARE),
    };
  }

  /** After a claim: count what is now in flight; a probe that found no event goes back to OPEN. */
  claimed(events: readonly ClaimedEvent[], probes: readonly string[]): void {
    for (const e of events) {
      this.#inFlight.set(e.integrationId, (this.#inFlight.get(e.integrationId) ?? 0) + 1);
      if (e.previousStatus === 'RETRYING') {
        this.#retriesInFlight++;
        this.#retry.add(e.id);
      }
    }
    if (probes.length === 0) return;
    const probed = new Set<string>();
    for (const e of events) {
      if (probes.includes(e.integrationId) && !probed.has(e.integrationId)) {
        probed.add(e.integrationId);
        this.#probes.add(e.id);
        this.#suspect.add(e.integrationId);
        this.#logger.info({ integrationId: e.integrationId, eventId: e.id }, 'circuit: probing the destination');
      }
    }
    const idle = probes.filter((id) => !probed.has(id));
    if (idle.length > 0)
      abandonProbes(this.#em(), idle, new Date(), this.#scaled(CIRCUIT_PROBE_BASE_MS)).catch((err: unknown) =>
        this.#logger.warn({ err: (err as Error).message }, 'worker: returning idle circuit probes failed'),
      );
  }

  isProbe(eventId: string): boolean {
    return this.#probes.has(eventId);
  }

  /** A delivery left the worker (recorded, or given up). */
  done(event: ClaimedEvent): void {
    const n = (this.#inFlight.get(event.integrationId) ?? 1) - 1;
    if (n <= 0) this.#inFlight.delete(event.integrationId);
    else this.#inFlight.set(event.integrationId, n);
    if (this.#retry.delete(event.id)) this.#retriesInFlight--;
    this.#probes.delete(event.id);
  }

  /** After a batch of outcomes is recorded: move the circuits; a closed one releases its held events. Returns whether any closed. */
  async afterRecord(sent: readonly SentOutcome[]): Promise<boolean> {
    if (!this.#config.circuitBreaker) return false;
    const outcomes = circuitOutcomes(sent).filter((o) => o.downSince !== null || this.#suspect.has(o.integrationId));
    if (outcomes.length === 0) return false;
    for (const o of outcomes) {
      if (o.downSince !== null) this.#suspect.add(o.integrationId);
      else this.#suspect.delete(o.integrationId);
    }
    if (this.#suspect.size > 100_000) this.#suspect.clear();
    const now = new Date();
    let closed = false;
    try {
      const changes = await updateCircuits(this.#em(), outcomes, {
        now,
        windowMs: this.#scaled(CIRCUIT_WINDOW_MS),
        minFailures: CIRCUIT_MIN_FAILURES,
        probeBaseMs: this.#scaled(CIRCUIT_PROBE_BASE_MS),
        probeMaxMs: this.#scaled(CIRCUIT_PROBE_MAX_MS),
      });
      for (const c of changes) {
        this.#metrics.circuitTransitions.inc({ to: c.to });
        if (c.to === 'CLOSED') {
          closed = true;
          this.#logger.info(
            { integrationId: c.id, released: c.released },
            'circuit closed: the destination answered; held events released in order',
          );
        } else if (c.from === 'CLOSED') {
          this.#logger.warn({ integrationId: c.id }, 'circuit opened: every attempt failed with network or 5xx codes; deliveries held');
        }
      }
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, 'worker: updating circuit breakers failed');
    }
    return closed;
  }
}
