// Prometheus metrics on one registry per app (tests run several apps in one process).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'switchboard_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ingestRefusals: new Counter({
      name: 'switchboard_ingest_refusals_total',
      help: 'Ingest requests refused, by reason code',
      labelNames: ['code'] as const,
      registers: [registry],
    }),
    eventsAccepted: new Counter({
      name: 'switchboard_events_accepted_total',
      help: 'Events durably accepted',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: 'switchboard_delivery_attempts_total',
      help: 'Delivery attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    deliveryHeld: new Counter({
      name: 'switchboard_delivery_held_total',
      help: "Deliveries put back without spending an attempt, by reason (rate_limited: the destination said its quota is spent; static_limit: over the integration's own limit; circuit_open)",
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    circuitTransitions: new Counter({
      name: 'switchboard_circuit_transitions_total',
      help: 'Circuit breaker changes made by this process, by the state entered (OPEN: destination judged down; HALF_OPEN is not counted; CLOSED: recovered)',
      labelNames: ['to'] as const,
      registers: [registry],
    }),
    ingestBatchRows: new Histogram({
      name: 'switchboard_ingest_batch_rows',
      help: 'Rows per ingest group commit',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    ingestBatchDuration: new Histogram({
      name: 'switchboard_ingest_batch_duration_seconds',
      help: 'Duration of one ingest group commit (insert + commit)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    deliveryRecordRows: new Histogram({
      name: 'switchboard_delivery_record_batch_rows',
      help: 'Finished deliveries recorded per statement (attempts, events, rollups and counters together)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    deliveryRecordDuration: new Histogram({
      name: 'switchboard_delivery_record_duration_seconds',
      help: 'Duration of one statement recording a batch of finished deliveries (with its commit)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    deliveryPublishDelay: new Histogram({
      name: 'switchboard_delivery_publish_delay_seconds',
      help: "From a delivery's outcome to its status change being committed and published (waiting for and running the record statement)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    deliveryDuration: new Histogram({
      name: 'switchboard_delivery_duration_seconds',
      help: 'Outbound request duration',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    refusedRows: new Counter({
      name: 'switchboard_refused_rows_total',
      help: 'Rows the database refused for their contents and that were set aside so the rest of their batch could commit (stage: ingest = the request got a 400; delivery = the attempt was recorded without its bodies; delivery_set_aside = not recorded at all)',
      labelNames: ['stage'] as const,
      registers: [registry],
    }),
    eventsReclaimed: new Counter({
      name: 'switchboard_events_reclaimed_total',
      help: 'Events reclaimed after being stuck in PROCESSING',
      registers: [registry],
    }),
    retentionRows: new Counter({
      name: 'switchboard_retention_rows_total',
      help: 'Rows touched by retention, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    livePublished: new Counter({
      name: 'switchboard_live_messages_published_total',
      help: 'Changes published on the live bus',
      labelNames: ['topic'] as const,
      registers: [registry],
    }),
    liveMessagesDelivered: new Counter({
      name: 'switchboard_live_messages_delivered_total',
      help: 'Subscription messages sent to graphql-ws clients',
      registers: [registry],
    }),
    liveDroppedConsumers: new Counter({
      name: 'switchboard_live_dropped_consumers_total',
      help: 'graphql-ws sockets dropped because they stopped reading',
      registers: [registry],
    }),
    wsSockets: new Gauge({ name: 'switchboard_ws_sockets', help: 'Open graphql-ws sockets', registers: [registry] }),
    wsSubscriptions: new Gauge({
      name: 'switchboard_ws_subscriptions',
      help: 'Active subscriptions by field',
      labelNames: ['field'] as const,
      registers: [registry],
    }),
    liveOperations: new Gauge({
      name: 'switchboard_live_operations',
      help: 'Distinct subscription operations being executed (identical subscriptions share one)',
      registers: [registry],
    }),
    incidentsOpened: new Counter({
      name: 'switchboard_incidents_opened_total',
      help: 'Incidents opened by the detectors of this process, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    incidentsOpen: new Gauge({
      name: 'switchboard_incidents_open',
      help: 'Incidents not yet resolved (all workspaces, as of the last detector run), by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    detectorRunDuration: new Histogram({
      name: 'switchboard_detector_run_duration_seconds',
      help: 'One detector run over every workspace (reads, detection, incident writes)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
