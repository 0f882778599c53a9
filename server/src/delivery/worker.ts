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
  type EventCompletion,
  findDeliveryTargets,
  Integration,
  type IntegrationOutcome,
  type IntegrationState,
  type NewDeliveryAttempt,
  newId,
  recordDeliveries,
} from '@switchboard/db';
import type { EventChangedMessage, LiveBus } from '@switchboard/schema';
import type { Config } from '../config.ts';
import type { AnnounceGate } from '../live/announce-gate.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { applyFieldMapping, MappingError } from './field-mapping.ts';
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
}

export interface WorkerDeps {
  config: Config;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  live: LiveBus;
  sender: Sender;
  /** Writes in this process that make events due; a claim is announced after theirs (RECEIVED first). */
  gate?: AnnounceGate;
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

  constructor(deps: WorkerDeps) {
    this.#d = deps;
  }

  #em(): EntityManager {
    return this.#d.db.orm.em.fork() as EntityManager;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops claiming, lets in-flight sends finish (bounded by their timeout) and records them. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.poke();
    await this.#loop;
    const deadline = Date.now() + this.#d.config.httpTimeoutMs + 2000;
    while (this.#inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.#flushNow();
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
        claimed = await traceClaim(() =>
          claimDueEvents(this.#em(), { now: new Date(now), limit: Math.min(free, config.workerBatchSize), skipIntegrationIds: skip }),
        );
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
      this.#publishClaimed(
        claimed.map((e) => ({
          workspaceId: e.workspaceId,
          eventId: e.id,
          integrationId: e.integrationId,
          integrationType: e.integrationType,
          status: 'PROCESSING',
          previousStatus: e.previousStatus,
          errorCode: null,
          at: e.claimedAt.toISOString(),
        })),
      );
      let targets: Map<string, DeliveryTarget>;
      try {
        targets = await this.#loadTargets(claimed);
      } catch (err) {
        // Claimed but can't be sent: the stuck-event reclaim returns them to the queue.
        logger.error({ err: (err as Error).message }, 'worker: loading integrations failed');
        await this.#sleep(1000);
        continue;
      }
      for (const event of claimed) {
        this.#inFlight++;
        this.#deliver(event, targets.get(event.integrationId))
          .catch((err: unknown) =>
            logger.error({ err, eventId: event.id }, 'worker: delivery crashed; the stuck-event reclaim will retry it'),
          )
          .finally(() => {
            this.#inFlight--;
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
    const base = { id: event.id, claimedAt: event.claimedAt, destinationRecordId: null };
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
    const destination = { destinationUrl: target.destinationUrl, destinationMethod: target.destinationMethod };
    const result = await traceDelivery(event, destination, (traceHeaders) =>
      sender.send(
        { ...destination, signingSecret: target.signingSecret, credentials: target.credentials },
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
      succeeded: result.succeeded,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      rateLimit: result.rateLimit,
    };
    this.#throttleIfAsked(event.integrationId, result);
    let completion: EventCompletion;
    if (result.succeeded) {
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
    finish({ completion, attempt, signal, rateLimit: result.rateLimit });
  }

  /** Honour the destination's pace: Retry-After on 429/503, or a rate-limit window with nothing left. */
  #throttleIfAsked(integrationId: string, r: AttemptResult): void {
    let seconds: number | null = null;
    if (r.errorCode === '429' || r.errorCode === '503') seconds = r.retryAfterSeconds;
    if (r.rateLimit?.remaining === 0) seconds = Math.max(seconds ?? 0, r.rateLimitResetSeconds ?? r.retryAfterSeconds ?? 1);
    if (seconds !== null && seconds > 0) {
      const until = Date.now() + seconds * 1000;
      this.#throttledUntil.set(integrationId, Math.max(this.#throttledUntil.get(integrationId) ?? 0, until));
    }
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
        try {
          await this.#record(batch);
          failures = 0;
        } catch (err) {
          // Nothing is lost: the batch goes back to the front and is written once the database answers.
          this.#finished.unshift(...batch);
          failures++;
          // Stopping with the database gone: give up; the events stay PROCESSING and the stuck-event reclaim re-queues them.
          if (!this.#running && failures >= 3) {
            this.#d.logger.error({ events: this.#finished.length }, 'worker: stopping without recording finished attempts');
            this.#finished = [];
            return;
          }
          this.#d.logger.warn({ err: (err as Error).message, failures }, 'worker: recording attempts failed; retrying');
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** failures)));
        }
      }
    } finally {
      this.#flushing = undefined;
      if (this.#finished.length > 0) this.#scheduleFlush();
    }
  }

  async #record(batch: Finished[]): Promise<void> {
    const outcomes = integrationOutcomes(batch);
    const errored: Array<{ workspaceId: string; integrationId: string; previousState: IntegrationState; at: string }> = [];
    // One statement (one round trip, one commit): attempts, the integrations' counters, the events and
    // their rollups. The rows it locks (rollups are shared with ingest and claims) are held only while it runs.
    const { metrics } = this.#d;
    const started = performance.now();
    const { completed, counters } = await recordDeliveries(this.#em(), {
      attempts: batch.flatMap((f) => (f.attempt ? [f.attempt] : [])),
      completions: batch.map((f) => f.completion),
      outcomes,
    });
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
    const byId = new Map(batch.map((f) => [f.event.id, f]));
    const now = Date.now();
    for (const f of batch) metrics.deliveryPublishDelay.observe((now - f.completion.at.getTime()) / 1000);
    const publishing = performance.now();
    this.#publish(
      completed.map((c) => ({
        workspaceId: c.workspaceId,
        eventId: c.id,
        integrationId: c.integrationId,
        integrationType: c.integrationType,
        status: c.status,
        previousStatus: 'PROCESSING',
        errorCode: c.errorCode,
        at: (byId.get(c.id)?.completion.at ?? new Date()).toISOString(),
      })),
    );
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

  /** Claims wait for the writes they may have seen to be announced; what follows keeps its place behind them. */
  #publishClaimed(messages: EventChangedMessage[]): void {
    this.#publish(messages, this.#d.gate?.settled() ?? null);
  }

  #publish(messages: EventChangedMessage[], after: Promise<void> | null = null): void {
    const send = () => {
      for (const m of messages) this.#d.live.publish('event:changed', m);
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
