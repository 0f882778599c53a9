// The event pipeline, assembled once per app: the ingest group-commit writer, the delivery worker,
// the periodic jobs, and the operations the GraphQL API calls (sendTestEvent, replay, reconnect's
// test call) — the PipelineServices of schema/src/context.ts.
import {
  BadInputError,
  type Database,
  decodeIdOf,
  type EntityManager,
  Event,
  findEventsByIdempotencyKeys,
  insertEvents,
  type Integration,
  newId,
  newTraceId,
  reopenEvents,
  touchLastEventAt,
} from '@switchboard/db';
import type { NewEventInput, PipelineServices } from '@switchboard/schema';
import type { Authenticator } from './auth.ts';
import type { Config } from './config.ts';
import { Sender } from './delivery/sender.ts';
import { DeliveryWorker } from './delivery/worker.ts';
import { refusalReason } from './batch-isolation.ts';
import { EventWriter } from './ingest/event-writer.ts';
import { FanOutCache } from './ingest/fan-out-cache.ts';
import type { IngestContext } from './ingest/ingest-context.ts';
import { IntegrationCache } from './ingest/integration-cache.ts';
import { RateLimiter } from './ingest/rate-limiter.ts';
import { checkSigningSetup } from './ingest/signature.ts';
import { createIncidentAnnouncer } from './insight/notify.ts';
import { InsightJob } from './insight/insight-job.ts';
import { JobScheduler } from './jobs/scheduler.ts';
import { AnnounceGate } from './live/announce-gate.ts';
import { EventAnnouncer } from './live/event-announcer.ts';
import type { ServerLiveBus } from './live/bus.ts';
import { type Logger, processSecrets } from './logger.ts';
import type { Metrics } from './metrics.ts';

export interface PipelineDeps {
  config: Config;
  db: Database;
  live: ServerLiveBus;
  auth: Authenticator;
  logger: Logger;
  metrics: Metrics;
  /** The console's base URL (links in incident notifications). */
  publicUrl?: () => string;
}

export interface Pipeline {
  services: PipelineServices;
  ingest: IngestContext;
  worker: DeliveryWorker;
  jobs: JobScheduler;
  /** The detectors (server/src/insight/). */
  insight: InsightJob;
  sender: Sender;
  /** Orders RECEIVED before PROCESSING in this process (see live/announce-gate.ts). */
  gate: AnnounceGate;
  em(): EntityManager;
  /** Starts the worker and the periodic jobs (when this process runs them). */
  start(): void;
  stop(): Promise<void>;
}

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { config, db, live, auth, logger, metrics } = deps;
  const em = () => db.orm.em.fork() as EntityManager;
  const sender = new Sender({ timeoutMs: config.httpTimeoutMs, storedBodyBytes: config.storedBodyBytes, secrets: processSecrets });
  // RECEIVED before PROCESSING: the worker announces a claim only after the writes it may have seen did.
  const gate = new AnnounceGate();
  const events = new EventAnnouncer(live, gate);
  const worker = new DeliveryWorker({ config, db, logger, metrics, live, sender, events });
  events.onDue(() => worker.poke());
  // lastEventAt for the integration health card: written after the commit, in its own short statement
  // (never on the acknowledgement path), at most once a second per integration.
  const touched = new Map<string, number>();
  const touchIntegrations = (ids: Iterable<string>) => {
    const now = Date.now();
    const due = [...new Set(ids)].filter((id) => now - (touched.get(id) ?? 0) >= 1000);
    if (due.length === 0) return;
    for (const id of due) touched.set(id, now);
    if (touched.size > 50_000) touched.clear();
    touchLastEventAt(em(), due, new Date(now)).catch((err: unknown) => logger.debug({ err }, 'pipeline: lastEventAt not updated'));
  };
  const writer = new EventWriter({
    em,
    batchSize: config.ingestBatchSize,
    writers: config.ingestWriters,
    gate,
    onRefused(rows, err) {
      metrics.refusedRows.inc({ stage: 'ingest' }, rows);
      logger.warn(
        { rows, reason: refusalReason(err) },
        "ingest: the database refused a request's rows; answered 400, the rest of the batch committed",
      );
    },
    onBatch(rows, ms) {
      metrics.ingestBatchRows.observe(rows);
      metrics.ingestBatchDuration.observe(ms / 1000);
    },
    onCommitted(changes) {
      events.publish(changes);
      touchIntegrations(changes.map((c) => c.integrationId));
    },
  });
  const cache = new IntegrationCache(em, config.settingsCacheMs);
  const fanOut = new FanOutCache(em, config.settingsCacheMs);
  const ingest: IngestContext = { config, metrics, logger, writer, cache, fanOut, auth, limiter: new RateLimiter() };
  const jobs = new JobScheduler({ config, db, logger, metrics, events });

  // Lifecycle changes (disconnect, pause, resume, reconnect) and edits reach ingest and the worker at
  // once, whichever replica made them.
  const forgetSettings = (m: { workspaceId: string; integrationId: string }) => {
    cache.invalidate(m.integrationId);
    fanOut.invalidate(m.workspaceId);
  };
  const unlisten = [
    live.listen('integration:state', (m) => {
      forgetSettings(m);
      if (m.state === 'ACTIVE') worker.poke();
    }),
    live.listen('integration:changed', forgetSettings),
  ];

  const announceIncident = createIncidentAnnouncer({
    db,
    live,
    events,
    logger,
    publicUrl: () => deps.publicUrl?.() ?? config.publicUrl ?? '',
  });
  const insight = new InsightJob({ config, db, live, logger, metrics, announce: announceIncident });

  const services: PipelineServices = {
    announceIncident,

    async createEvent(em: EntityManager, input: NewEventInput): Promise<Event> {
      const row = {
        id: newId(),
        integrationId: input.integration.id,
        eventType: input.eventType,
        source: input.source,
        sourceRecordId: input.sourceRecordId ?? null,
        idempotencyKey: input.idempotencyKey ?? null,
        traceId: newTraceId(),
        isTest: input.isTest ?? false,
        receivedAt: new Date(),
        payloadJson: JSON.stringify(input.payload ?? null),
      };
      // Loaded before the change is published (and the worker woken), so the caller sees it as stored (RECEIVED).
      const { created, event } = await events.commit(
        async () => {
          const [created] = await insertEvents(em, [row]);
          let id = created?.eventId;
          if (!id && row.idempotencyKey) {
            const [existing] = await findEventsByIdempotencyKeys(em, [
              { integrationId: row.integrationId, idempotencyKey: row.idempotencyKey },
            ]);
            id = existing?.id;
          }
          if (!id) throw new BadInputError(`Integration "${input.integration.name}" is disconnected and accepts no events`);
          return { created, event: await em.findOneOrFail(Event, id, { populate: ['payload'] }) };
        },
        (r) => (r.created ? [r.created] : []),
      );
      if (created) touchIntegrations([created.integrationId]);
      return event;
    },

    async replayEvents(em: EntityManager, workspaceId: string, eventIds: readonly string[], actor: string): Promise<string[]> {
      // Accepts public ids (evt_…) or row ids, and answers in the form it was given.
      const given = new Map<string, string>();
      for (const id of eventIds) {
        const uuid = id.startsWith('evt_') ? decodeIdOf('Event', id) : /^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : null;
        if (uuid) given.set(uuid, id);
      }
      const now = new Date();
      const reopened = await events.commit(
        () => reopenEvents(em, workspaceId, [...given.keys()], `replayed by ${actor}`, now),
        (changes) => changes,
      );
      return reopened.map((r) => given.get(r.eventId) ?? r.eventId);
    },

    async testConnection(integration: Integration, credentials: Record<string, unknown> | null) {
      if (integration.type === 'INBOUND_WEBHOOK') {
        return checkSigningSetup({
          signingSecret: integration.signingSecret,
          signatureScheme: integration.signatureScheme,
          signatureHeader: integration.signatureHeader ?? null,
        });
      }
      // No database access here (the caller may hold a transaction; the embedded database has one session):
      // the caller passes the credentials to test, null meaning none.
      const url = integration.destinationUrl ?? null;
      if (!url) return { ok: false, reason: 'The integration has no destination URL to test' };
      const result = await sender.send(
        {
          destinationUrl: url,
          destinationMethod: integration.destinationMethod ?? 'POST',
          signingSecret: integration.signingSecret,
          credentials,
        },
        { id: newId(), eventType: 'switchboard.test', traceId: newTraceId(), attemptNumber: 1 },
        { type: 'switchboard.test', message: 'Connection test from Switchboard', at: new Date().toISOString() },
        { 'x-switchboard-test': '1' },
      );
      if (result.succeeded) return { ok: true, reason: null };
      return { ok: false, reason: `Test call failed: ${result.errorMessage ?? result.errorCode ?? 'no response'}` };
    },
  };

  return {
    services,
    ingest,
    worker,
    jobs,
    insight,
    sender,
    gate,
    em,
    start() {
      if (config.runWorker) {
        worker.start();
        jobs.start();
        insight.start();
      }
    },
    async stop() {
      for (const stop of unlisten) stop();
      await insight.stop();
      await jobs.stop();
      await worker.stop();
      await writer.drained();
      await sender.close();
    },
  };
}
