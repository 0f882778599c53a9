// Runs the periodic jobs (stuck-event reclaim, retention) every interval, one run at a time; with
// several processes each runs them, which is safe (both use SKIP LOCKED batches).
import type { Database } from '@switchboard/db';
import type { Config } from '../config.ts';
import type { EventAnnouncer } from '../live/event-announcer.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { runRetention } from './retention.ts';
import { reclaimStuck } from './stuck-reclaim.ts';

export interface JobDeps {
  config: Config;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  /** Publishes the reclaimed events' changes (and wakes the worker). */
  events: EventAnnouncer;
}

export class JobScheduler {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  readonly #d: JobDeps;

  constructor(deps: JobDeps) {
    this.#d = deps;
  }

  start(): void {
    this.#stopped = false;
    const tick = () => {
      this.#running = this.runOnce().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(tick, this.#d.config.jobsIntervalMs);
      });
    };
    this.#timer = setTimeout(tick, Math.min(5000, this.#d.config.jobsIntervalMs));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  async runOnce(): Promise<void> {
    const { config, db, events, logger, metrics } = this.#d;
    try {
      const reclaimed = await reclaimStuck(db, events, { stuckAfterMs: config.stuckAfterMs });
      if (reclaimed > 0) {
        metrics.eventsReclaimed.inc(reclaimed);
        logger.warn({ reclaimed }, 'reclaimed events stuck in PROCESSING');
      }
      const r = await runRetention(db, {
        payloadRetentionDays: config.payloadRetentionDays,
        eventRetentionDays: config.eventRetentionDays,
        shouldStop: () => this.#stopped,
      });
      metrics.retentionRows.inc({ kind: 'payload_expired' }, r.payloadsExpired);
      metrics.retentionRows.inc({ kind: 'event_deleted' }, r.eventsDeleted);
      if (r.payloadsExpired || r.eventsDeleted) logger.info(r, 'retention applied');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'periodic jobs failed; will run again');
    }
  }
}
