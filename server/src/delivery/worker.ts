// The delivery worker: claims due events (FOR UPDATE SKIP LOCKED, so any number of worker processes
// share the table and none claims a row another holds), sends up to `concurrency` at once, and
// records outcomes in group commits: one statement per batch of finished attempts writes the
// attempts, moves the events and their rollups and updates the integrations' counters; after N
// consecutive 401/403 an integration moves to ERROR. Changes are published after commit.
import {
  type ClaimedEvent,
  claimDueEvents,
  type Database,
  type DeliveryTarget,
  type EntityManager,
  type EventChange,
  type EventCompletion,
  findDeliveryTargets,
  Integration,
  type IntegrationOutcome,
  type IntegrationState,
  type NewDeliveryAttempt,
  newId,
  recordDeliveries,
  refundAttempts,
  releaseExpiredLeases,
  renewLeases,
  throttleIntegration,
} from '@switchboard/db';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LiveBus } from '@switchboard/schema';
import type { Config } from '../config.ts';
import { refusalReason, storeIsolating } from '../batch-isolation.ts';
import type { EventAnnouncer } from '../live/event-announcer.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { applyFieldMapping, MappingError } from './field-mapping.ts';
import { DeliveryProtection, freeProbeAttempt } from './protection.ts';
import { freeThrottledAttempt, type Refund, throttleSeconds, waitForSendSlot } from './throttle.ts';
import { decideRetry } from './retry-policy.ts';
import type { AttemptResult, Sender } from './sender.ts';
import { traceClaim, traceDelivery, tracePublished, traceRecorded } from '../tracing.ts';

interface Finished {
  event: ClaimedEvent;
  completion: EventCompletion;
  attempt: NewDeliveryAttempt | null;
  /** For the integration's counters: 'auth' (401/403), 'failure', 'success', or null (no response-based signal). */
  signal: 'auth' | 'failure' | 'success' | 'network' | null;
  rateLimit: AttemptResult['rateLimit'];
  /** A wait must not cost the event: 'unsent' gives the claim's count back, 'free' keeps a 429 off the retry budget. */
  refund?: Refund;
  refunded?: boolean;
}

export interface WorkerDeps {
  config: Config;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  live: LiveBus;
  sender: Sender;
  /** Publishes event changes; a claim is announced after the writes in this process it may have seen (RECEIVED first). */
  events: EventAnnouncer;
}

const AUTH_CODES = new Set(['401', '403']);

export class DeliveryWorker {
  readonly #d: WorkerDeps;
  #running = false;
  #loop: Promise<void> | undefined;
  #inFlight = 0;
  #wake: (() => void) | undefined;
  #poked = false;
  #finished: Finished[] = [];
  #flushing: Promise<void> | undefined;
  /** Announcements waiting their turn (null: none; publish at once). */
  #publishing: Promise<void> | null = null;
  /** Integrations whose destination asked us to slow down, until when (ms epoch). */
  readonly #throttledUntil = new Map<string, number>();
  /** The earliest retry this worker scheduled (ms epoch): it looks again then rather than at the next poll. */
  #nextRetryAt = Number.POSITIVE_INFINITY;
  /** This process's name on its leases. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  /** Events this worker holds a lease on (claimed, not yet recorded). */
  readonly #leased = new Set<string>();
  #leaseTimer: NodeJS.Timeout | undefined;
  #leaseWork: Promise<void> = Promise.resolve();

  /** Fairness caps and circuit breakers (./protection.ts). */
  readonly #protection: DeliveryProtection;

  constructor(deps: WorkerDeps) {
    this.#d = deps;
    this.#protection = new DeliveryProtection(deps);
  }

  #em(): EntityManager {
    return this.#d.db.orm.em.fork() as EntityManager;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
    // Renew this worker's leases and release the expired ones of workers that stopped, a few times per lease.
    const every = Math.max(200, Math.floor(this.#d.config.leaseMs / 3));
    this.#leaseTimer = setInterval(() => {
      this.#leaseWork = this.#leaseWork.then(() => this.#tendLeases());
    }, every);
    this.#leaseTimer.unref();
  }

  async #tendLeases(): Promise<void> {
    const { config, logger, metrics } = this.#d;
    const now = new Date();
    try {
      if (this.#leased.size > 0) await renewLeases(this.#em(), this.owner, [...this.#leased], new Date(now.getTime() + config.leaseMs));
      const released = await this.#d.events.commit(
        () => releaseExpiredLeases(this.#em(), { now, limit: 1000, reason: 'lease expired: the worker holding it stopped; queued again' }),
        (rows) => rows,
      );
      if (released.length > 0) {
        metrics.eventsReclaimed.inc(released.length);
        logger.warn({ released: released.length }, 'worker: released events whose lease expired (their worker stopped); queued again');
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'worker: renewing or releasing leases failed; retrying');
    }
  }

  /** Stops claiming, lets in-flight sends finish (bounded by their timeout) and records them. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#leaseTimer);
    this.poke();
    await this.#loop;
    const deadline = Date.now() + this.#d.config.httpTimeoutMs + 2000;
    while (this.#inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.#flushNow();
    await this.#leaseWork;
  }

  /** New work may be due (an ingest commit, a resume, a replay). */
  poke(): void {
    this.#poked = true;
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async #sleep(ms: number): Promise<void> {
    if (this.#poked) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  async #run(): Promise<void> {
    const { config, logger } = this.#d;
    while (this.#running) {
      const free = config.workerConcurrency - this.#inFlight;
      if (free <= 0) {
        this.#poked = false;
        await this.#sleep(config.workerPollMs);
        continue;
      }
      this.#poked = false;
      let claimed: ClaimedEvent[];
      try {
        const now = Date.now();
        const skip = [...this.#throttledUntil].filter(([, until]) => until > now).map(([id]) => id);
        for (const [id, until] of this.#throttledUntil) if (until <= now) this.#throttledUntil.delete(id);
        const probes = await this.#protection.probesDue(new Date(now));
        claimed = await traceClaim(() =>
          claimDueEvents(this.#em(), {
            now: new Date(now),
            limit: Math.min(free, config.workerBatchSize),
            skipIntegrationIds: skip,
            owner: this.owner,
            leaseMs: config.leaseMs,
            probeIntegrationIds: probes,
            ...this.#protection.claimOptions(),
          }),
        );
        for (const e of claimed) this.#leased.add(e.id);
        this.#protection.claimed(claimed, probes);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'worker: claim failed; retrying');
        await this.#sleep(1000);
        continue;
      }
      if (claimed.length === 0) {
        const untilRetry = this.#nextRetryAt - Date.now();
        await this.#sleep(Math.max(5, Math.min(config.workerPollMs, untilRetry)));
        continue;
      }
      this.#publishClaimed(claimed.map((e) => e.change));
      let targets: Map<string, DeliveryTarget>;
      try {
        targets = await this.#loadTargets(claimed);
      } catch (err) {
        // Claimed but can't be sent: their leases are left to expire, which returns them to the queue.
        for (const e of claimed) this.#leased.delete(e.id);
        logger.error({ err: (err as Error).message }, 'worker: loading integrations failed');
        await this.#sleep(1000);
        continue;
      }
      for (const event of claimed) {
        this.#inFlight++;
        this.#deliver(event, targets.get(event.integrationId))
          .catch((err: unknown) => this.#crashed(event, err))
          .finally(() => {
            this.#inFlight--;
            this.#protection.done(event);
            // Claim again once a useful number of slots is free, not after every single completion.
            if (config.workerConcurrency - this.#inFlight >= Math.max(1, Math.min(config.workerBatchSize, config.workerConcurrency) / 4))
              this.poke();
          });
      }
    }
  }

  /** Integration settings, read fresh for every claimed batch (one query), so new credentials or mappings apply at once. */
  async #loadTargets(events: readonly ClaimedEvent[]): Promise<Map<string, DeliveryTarget>> {
    const ids = [...new Set(events.map((e) => e.integrationId))];
    return new Map((await findDeliveryTargets(this.#em(), ids)).map((t) => [t.id, t]));
  }

  async #deliver(event: ClaimedEvent, target: DeliveryTarget | undefined): Promise<void> {
    const { config, sender, logger, metrics } = this.#d;
    const base = { id: event.id, claimedAt: event.claimedAt, receivedAt: event.receivedAt, destinationRecordId: null };
    const cycleAttempt = event.attemptCount - event.retryBase;
    const finish = (f: Omit<Finished, 'event'>) => {
      this.#finished.push({ event, ...f });
      this.#scheduleFlush();
    };
    if (!target) {
      finish({
        completion: {
          ...base,
          status: 'FAILED',
          nextAttemptAt: null,
          errorCode: '852',
          errorMessage: 'The integration no longer exists',
          reason: 'integration missing',
          at: new Date(),
        },
        attempt: null,
        signal: null,
        rateLimit: null,
      });
      return;
    }
    if (!target.destinationUrl) {
      if (target.type === 'INBOUND_WEBHOOK') {
        // An inbound webhook with nowhere to forward to is done once it is stored: delivered, with no attempt.
        finish({
          completion: {
            ...base,
            status: 'DELIVERED',
            nextAttemptAt: null,
            errorCode: null,
            errorMessage: null,
            reason: 'stored; no destination to forward to',
            at: new Date(),
          },
          attempt: null,
          signal: null,
          rateLimit: null,
        });
        return;
      }
      finish({
        completion: {
          ...base,
          status: 'FAILED',
          nextAttemptAt: null,
          errorCode: '852',
          errorMessage: 'The integration has no destination URL',
          reason: 'no destination URL',
          at: new Date(),
        },
        attempt: null,
        signal: null,
        rateLimit: null,
      });
      return;
    }
    let body: unknown;
    try {
      if (event.payloadExpired) throw new MappingError('The payload has expired (retention) and cannot be sent');
      body = applyFieldMapping(target.fieldMapping, event.payload);
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      metrics.deliveryAttempts.inc({ outcome: 'mapping' });
      finish({
        completion: {
          ...base,
          status: 'FAILED',
          nextAttemptAt: null,
          errorCode: 'MAPPING',
          errorMessage: err.message,
          reason: 'field mapping unresolved (not retried)',
          at: new Date(),
        },
        attempt: null,
        signal: null,
        rateLimit: null,
      });
      return;
    }
    const held = await waitForSendSlot(this.#em(), target, this.#throttledUntil.get(event.integrationId) ?? 0, logger);
    if (held) {
      metrics.deliveryHeld.inc({ reason: held.reason });
      finish({ completion: { ...base, ...held.completion }, attempt: null, signal: null, rateLimit: null, refund: 'unsent' });
      return;
    }
    const destination = { destinationUrl: target.destinationUrl, destinationMethod: target.destinationMethod };
    const result = await traceDelivery(event, destination, (traceHeaders) =>
      sender.send(
        {
          ...destination,
          signingSecret: target.signingSecret,
          previousSigningSecret: (target.previousSecretExpiresAt ?? 0) > Date.now() ? target.previousSigningSecret : null,
          credentials: target.credentials,
        },
        { id: event.id, eventType: event.eventType, traceId: event.traceId, attemptNumber: event.attemptCount },
        body,
        traceHeaders,
      ),
    );
    const now = new Date();
    const attempt: NewDeliveryAttempt = {
      id: newId(),
      eventId: event.id,
      workspaceId: event.workspaceId,
      integrationId: event.integrationId,
      eventType: event.eventType,
      attemptNumber: event.attemptCount,
      source: event.source,
      startedAt: result.startedAt,
      durationMs: result.durationMs,
      requestMethod: result.request.method,
      requestUrl: result.request.url,
      requestHeaders: result.request.headers,
      requestBody: result.request.body,
      responseStatus: result.response?.status ?? null,
      responseHeaders: result.response?.headers ?? null,
      responseBody: result.response?.body ?? null,
      responseBodyEncoding: result.response?.bodyEncoding === 'BASE64' ? 'BASE64' : null,
      succeeded: result.succeeded,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      rateLimit: result.rateLimit,
    };
    const throttledUntil = this.#throttleIfAsked(event.integrationId, result);
    const free =
      freeThrottledAttempt(event, result, throttledUntil) ??
      freeProbeAttempt(event, result.succeeded, result.errorCode, this.#protection.isProbe(event.id), now);
    let completion: EventCompletion;
    if (free) {
      metrics.deliveryHeld.inc({ reason: free.errorCode === '429' ? 'rate_limited' : 'circuit_open' });
      completion = { ...base, ...free, errorMessage: result.errorMessage, at: now };
    } else if (result.succeeded) {
      completion = {
        ...base,
        status: 'DELIVERED',
        nextAttemptAt: null,
        errorCode: null,
        errorMessage: null,
        destinationRecordId: result.destinationRecordId,
        reason: `HTTP ${result.response?.status}`,
        at: now,
      };
    } else {
      const code = result.errorCode as string;
      const decision = decideRetry({
        errorCode: code,
        cycleAttempt,
        schedule: target.retrySchedule,
        timeScale: config.timeScale,
        retryAfterSeconds: result.retryAfterSeconds,
        now,
      });
      completion =
        decision.status === 'RETRYING'
          ? {
              ...base,
              status: 'RETRYING',
              nextAttemptAt: decision.nextAttemptAt,
              errorCode: code,
              errorMessage: result.errorMessage,
              reason: `attempt ${cycleAttempt} failed (${code}); next at ${decision.nextAttemptAt.toISOString()}`,
              at: now,
            }
          : {
              ...base,
              status: 'FAILED',
              nextAttemptAt: null,
              errorCode: code,
              errorMessage: result.errorMessage,
              reason: decision.reason,
              at: now,
            };
    }
    metrics.deliveryAttempts.inc({ outcome: result.succeeded ? 'delivered' : completion.status === 'RETRYING' ? 'retrying' : 'failed' });
    metrics.deliveryDuration.observe(result.durationMs / 1000);
    logger.info(
      {
        traceId: event.traceId,
        eventId: event.id,
        integrationId: event.integrationId,
        attempt: event.attemptCount,
        status: result.response?.status ?? null,
        errorCode: result.errorCode,
        durationMs: result.durationMs,
        outcome: completion.status,
      },
      'delivery attempt',
    );
    const signal = result.succeeded ? 'success' : AUTH_CODES.has(result.errorCode ?? '') ? 'auth' : result.response ? 'failure' : 'network';
    finish({ completion, attempt, signal, rateLimit: result.rateLimit, ...(free ? { refund: 'free' as const } : {}) });
  }

  /**
   * Processing this event threw (a bug, or an input nothing refused earlier): it is recorded FAILED
   * with the reason rather than left PROCESSING, and retrying the same input would only throw again.
   */
  #crashed(event: ClaimedEvent, err: unknown): void {
    this.#d.logger.error({ err, eventId: event.id }, 'worker: processing an event threw; recorded as FAILED');
    this.#d.metrics.deliveryAttempts.inc({ outcome: 'failed' });
    this.#finished.push({
      event,
      completion: {
        id: event.id,
        claimedAt: event.claimedAt,
        receivedAt: event.receivedAt,
        destinationRecordId: null,
        status: 'FAILED',
        nextAttemptAt: null,
        errorCode: '804',
        errorMessage: `Switchboard could not process this event (${err instanceof RangeError ? 'its payload is nested too deeply' : 'an internal error'}); it was not sent`,
        reason: 'processing failed (not retried)',
        at: new Date(),
      },
      attempt: null,
      signal: null,
      rateLimit: null,
    });
    this.#scheduleFlush();
  }

  /**
   * Honour the destination's pace: Retry-After on 429/503, or a rate-limit window with nothing left.
   * Stored on the integration (every worker process's claim skips it until then) and remembered here
   * for the events this process already holds. Returns until when (ms epoch), or null.
   */
  #throttleIfAsked(integrationId: string, r: AttemptResult): number | null {
    const seconds = throttleSeconds(r);
    if (seconds === null) return null;
    const until = Math.max(this.#throttledUntil.get(integrationId) ?? 0, Date.now() + seconds * 1000);
    this.#throttledUntil.set(integrationId, until);
    throttleIntegration(this.#em(), integrationId, new Date(until)).catch((err: unknown) =>
      this.#d.logger.warn(
        { err: (err as Error).message, integrationId },
        'worker: storing a rate-limit wait failed (this process still waits)',
      ),
    );
    return until;
  }

  #scheduleFlush(): void {
    if (this.#flushing) return;
    this.#flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flushLoop());
  }

  async #flushNow(): Promise<void> {
    if (this.#flushing) await this.#flushing;
    if (this.#finished.length > 0) {
      this.#scheduleFlush();
      await this.#flushing;
    }
  }

  async #flushLoop(): Promise<void> {
    try {
      let failures = 0;
      while (this.#finished.length > 0) {
        const batch = this.#finished.splice(0, 1000);
        // A row the database refuses is isolated (the rest of the batch is recorded) and recorded
        // again without what it refused; only an unreachable database puts work back in the queue.
        const { unavailable } = await storeIsolating(
          batch,
          (part) => this.#record(part),
          (f, err) => this.#recordRefused(f, err),
        );
        if (!unavailable) {
          failures = 0;
          continue;
        }
        // Nothing is lost: what was not recorded goes back to the front and is written once the database answers.
        this.#finished.unshift(...unavailable.items);
        failures++;
        // Stopping with the database gone: give up; the events stay PROCESSING and the stuck-event reclaim re-queues them.
        if (!this.#running && failures >= 3) {
          this.#d.logger.error({ events: this.#finished.length }, 'worker: stopping without recording finished attempts');
          this.#finished = [];
          return;
        }
        this.#d.logger.warn({ err: (unavailable.error as Error).message, failures }, 'worker: recording attempts failed; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures)));
      }
    } finally {
      this.#flushing = undefined;
      if (this.#finished.length > 0) this.#scheduleFlush();
    }
  }

  /**
   * The database refused this outcome's row (a value it cannot hold). Record it again without the
   * exchange's headers and bodies, with the refusal as its error, so the event still moves on; if even
   * that is refused, set it aside (log and metric) and leave the event to the stuck-event reclaim.
   */
  async #recordRefused(f: Finished, err: unknown): Promise<void> {
    const reason = `Switchboard could not store this exchange as received: ${refusalReason(err)}`;
    const bare: Finished = {
      ...f,
      attempt: f.attempt && {
        ...f.attempt,
        requestHeaders: [],
        requestBody: null,
        responseHeaders: f.attempt.responseHeaders && [],
        responseBody: null,
        errorMessage: f.attempt.errorMessage === null ? null : reason,
        rateLimit: null,
      },
      completion: { ...f.completion, errorMessage: f.completion.errorMessage === null ? null : reason, destinationRecordId: null },
      rateLimit: null,
    };
    try {
      await this.#record([bare]);
      this.#d.metrics.refusedRows.inc({ stage: 'delivery' });
      this.#d.logger.warn(
        { eventId: f.event.id, reason: refusalReason(err) },
        'worker: attempt recorded without its exchange (the database refused it)',
      );
    } catch (again) {
      // No longer renewed: its lease expires and the event is queued again.
      this.#leased.delete(f.event.id);
      this.#d.metrics.refusedRows.inc({ stage: 'delivery_set_aside' });
      this.#d.logger.error(
        { eventId: f.event.id, reason: refusalReason(again) },
        'worker: an outcome could not be recorded at all; set aside (the stuck-event reclaim will retry the event)',
      );
    }
  }

  async #record(batch: Finished[]): Promise<void> {
    const outcomes = integrationOutcomes(batch);
    const errored: Array<{ workspaceId: string; integrationId: string; previousState: IntegrationState; at: string }> = [];
    // One statement (one round trip, one commit): attempts, the integrations' counters, the events and
    // their rollups. The rows it locks (rollups are shared with ingest and claims) are held only while it runs.
    const { metrics } = this.#d;
    const started = performance.now();
    await this.#refund(batch);
    const { completed, counters } = await recordDeliveries(this.#em(), {
      attempts: batch.flatMap((f) => (f.attempt ? [f.attempt] : [])),
      completions: batch.map((f) => f.completion),
      outcomes,
    });
    for (const f of batch) this.#leased.delete(f.event.id);
    await this.#protection.afterRecord(
      batch.flatMap((f) =>
        f.attempt
          ? [{ integrationId: f.event.integrationId, succeeded: f.attempt.succeeded, errorCode: f.attempt.errorCode, at: f.completion.at }]
          : [],
      ),
    );
    metrics.deliveryRecordRows.observe(batch.length);
    metrics.deliveryRecordDuration.observe((performance.now() - started) / 1000);
    traceRecorded(batch, started);
    // Past the threshold of consecutive 401/403, the integration moves to ERROR (rare: its own transaction;
    // had this process died in between, the next failure's counters would cross the threshold again).
    for (const c of counters) {
      if (c.state !== 'ACTIVE' || c.consecutiveAuthFailures < this.#d.config.authFailureThreshold) continue;
      try {
        await this.#em().transactional(async (em) => {
          const integration = await em.findOneOrFail(Integration, c.id);
          if (integration.state !== 'ACTIVE') return;
          const change = integration.transition(
            'authFailure',
            'system',
            `${c.consecutiveAuthFailures} consecutive authentication failures (401/403) from the destination; reconnect to resume deliveries`,
          );
          errored.push({ workspaceId: c.workspaceId, integrationId: c.id, previousState: 'ACTIVE', at: change.at.toISOString() });
        });
      } catch (err) {
        this.#d.logger.warn({ err: (err as Error).message, integrationId: c.id }, 'worker: moving an integration to ERROR failed');
      }
    }
    const now = Date.now();
    for (const f of batch) metrics.deliveryPublishDelay.observe((now - f.completion.at.getTime()) / 1000);
    const publishing = performance.now();
    this.#publish(completed);
    tracePublished(batch, publishing);
    for (const e of errored) {
      this.#d.logger.warn({ integrationId: e.integrationId }, 'integration moved to ERROR after repeated authentication failures');
      this.#d.live.publish('integration:state', { ...e, state: 'ERROR' });
    }
    for (const f of batch) {
      const next = f.completion.status === 'RETRYING' ? f.completion.nextAttemptAt?.getTime() : undefined;
      if (next !== undefined && (this.#nextRetryAt < Date.now() || next < this.#nextRetryAt)) this.#nextRetryAt = next;
    }
    this.poke();
  }

  /**
   * Gives back the attempts a wait must not cost, while the events are still ours (PROCESSING) and before
   * their outcome is visible, so no reader sees a waited event charged. Once per outcome (a batch may be
   * recorded again after the database comes back); a failure is logged, never fails the batch.
   */
  async #refund(batch: Finished[]): Promise<void> {
    const todo = batch.filter((f) => f.refund && !f.refunded);
    if (todo.length === 0) return;
    try {
      await refundAttempts(
        this.#em(),
        todo.filter((f) => f.refund === 'unsent').map((f) => f.event),
        todo.filter((f) => f.refund === 'free').map((f) => f.event),
      );
      for (const f of todo) f.refunded = true;
    } catch (err) {
      this.#d.logger.warn({ err: (err as Error).message, events: todo.length }, 'worker: giving back waited attempts failed');
    }
  }

  /** Claims wait for the writes they may have seen to be announced; what follows keeps its place behind them. */
  #publishClaimed(messages: EventChange[]): void {
    this.#publish(messages, this.#d.events.gate.settled());
  }

  #publish(messages: EventChange[], after: Promise<void> | null = null): void {
    const send = () => {
      this.#d.events.publish(messages);
    };
    if (!after && !this.#publishing) {
      send();
      return;
    }
    // A failing publish is logged and never stops the ones queued behind it.
    const p: Promise<void> = (this.#publishing ?? Promise.resolve())
      .then(() => after)
      .then(send)
      .catch((err: unknown) => this.#d.logger.error({ err }, 'worker: publishing changes failed'));
    this.#publishing = p;
    void p.finally(() => {
      if (this.#publishing === p) this.#publishing = null;
    });
  }
}

/** Per integration, in attempt order: runs of auth failures and failures since the last reset. */
export function integrationOutcomes(batch: readonly Finished[]): IntegrationOutcome[] {
  const by = new Map<string, IntegrationOutcome>();
  for (const f of batch) {
    if (!f.signal) continue;
    let o = by.get(f.event.integrationId);
    if (!o) {
      o = {
        integrationId: f.event.integrationId,
        authReset: false,
        authFailureRun: 0,
        failureReset: false,
        failureRun: 0,
        lastFailureAt: null,
        lastRateLimit: null,
      };
      by.set(f.event.integrationId, o);
    }
    if (f.signal === 'auth') o.authFailureRun++;
    else if (f.signal === 'success' || f.signal === 'failure') {
      o.authReset = true;
      o.authFailureRun = 0;
    }
    if (f.signal === 'success') {
      o.failureReset = true;
      o.failureRun = 0;
    } else {
      o.failureRun++;
      o.lastFailureAt = f.completion.at;
    }
    if (f.rateLimit) o.lastRateLimit = f.rateLimit;
  }
  return [...by.values()];
}
