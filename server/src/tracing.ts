// OpenTelemetry traces: one trace per event, from the sender's request through ingest (verify, store),
// the worker's claim, the outbound call, the recorded outcome and its publication, exported over
// OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set. When it is not, nothing
// is registered and every helper here is one null check around the work it wraps.
//
// The worker runs long after the request that stored an event, in another async context (or process).
// What joins them is the event row itself: its traceId, and an "event" span whose id is derived from the
// event's id, so the worker can name it as the parent of its own spans without storing a span id.
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type IdGenerator,
  ParentBasedSampler,
  RandomIdGenerator,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { encodeId } from '@switchboard/db';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Handler } from './http/router.ts';

export interface TracingOptions {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (traces go to <it>/v1/traces). */
  endpoint?: string | undefined;
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: the full traces URL, used as is. */
  tracesEndpoint?: string | undefined;
  serviceName: string;
  /** OTEL_BSP_SCHEDULE_DELAY: ms between exports. */
  scheduleDelayMs?: number | undefined;
  /** OTEL_TRACES_SAMPLER (default parentbased_always_on) and OTEL_TRACES_SAMPLER_ARG (the ratio). */
  sampler?: 'always_on' | 'parentbased_always_on' | 'traceidratio' | 'parentbased_traceidratio' | undefined;
  samplerRatio?: number | undefined;
}

export interface Tracing {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Lets the next span started take a span id chosen by the caller (the event's span); random otherwise. */
class EventSpanIds implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  next: string | undefined;
  generateTraceId(): string {
    return this.#random.generateTraceId();
  }
  generateSpanId(): string {
    const id = this.next;
    this.next = undefined;
    return id ?? this.#random.generateSpanId();
  }
}

let tracer: Tracer | null = null;
let ids: EventSpanIds | null = null;
/** Decides whether an event's trace is sampled in the worker, as ingest decided for a trace it started. */
let sampledTrace: ((traceId: string) => boolean) | null = null;

export function tracingEnabled(): boolean {
  return tracer !== null;
}

/** Starts exporting when an endpoint is configured; null (and nothing registered) otherwise. */
export function startTracing(opts: TracingOptions): Tracing | null {
  const url = opts.tracesEndpoint ?? (opts.endpoint ? `${opts.endpoint.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (!url) return null;
  if (tracer) throw new Error('tracing is already started in this process');
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  ids = new EventSpanIds();
  const ratio = opts.sampler?.endsWith('traceidratio') ? (opts.samplerRatio ?? 1) : 1;
  const root = new TraceIdRatioBasedSampler(ratio);
  sampledTrace = ratio >= 1 ? null : (traceId) => root.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
  const provider = new TracerProvider({
    sampler: opts.sampler?.startsWith('parentbased') === false ? root : new ParentBasedSampler({ root }),
    resource: resourceFromAttributes({ 'service.name': opts.serviceName }),
    idGenerator: ids,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url }),
        scheduledDelayMillis: opts.scheduleDelayMs ?? 5000,
        maxQueueSize: 8192,
        maxExportBatchSize: 1024,
      }),
    ],
  });
  tracer = provider.getTracer('switchboard');
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      tracer = null;
      ids = null;
      sampledTrace = null;
      // A collector that is down must not hold up stopping (the exporter retries with back-off).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        provider.shutdown().catch(() => undefined),
        new Promise((resolve) => {
          timer = setTimeout(resolve, 3000);
        }),
      ]);
      clearTimeout(timer);
      context.disable();
      propagation.disable();
    },
  };
}

/** The id of the span that stands for an event in its trace: the random tail of its UUIDv7. */
export function eventSpanId(eventId: string): string {
  return eventId.replace(/-/g, '').slice(16);
}

function eventContext(traceId: string, eventId: string): Context {
  const traceFlags = !sampledTrace || sampledTrace(traceId) ? TraceFlags.SAMPLED : TraceFlags.NONE;
  return trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: eventSpanId(eventId), traceFlags, isRemote: true });
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The trace a new event belongs to: the request's span when tracing (which continues the sender's
 * `traceparent`), else the sender's `traceparent` alone; null: start a new one.
 */
export function inboundTraceId(headers: Record<string, string | string[] | undefined>): string | null {
  if (tracer) {
    const sc = trace.getSpan(context.active())?.spanContext();
    if (sc && sc.traceId !== '00000000000000000000000000000000') return sc.traceId;
  }
  const raw = headers.traceparent;
  const m = TRACEPARENT.exec((Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '');
  return m && m[1] !== '0'.repeat(32) ? (m[1] as string) : null;
}

/** A server span around a plain-HTTP route, continuing the caller's W3C trace context. */
export function tracedRoute(route: string, handler: Handler): Handler {
  return (req, res, params, url) => {
    if (!tracer) return handler(req, res, params, url);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'http.route': route } },
      parent,
    );
    const done = () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    return context.with(trace.setSpan(parent, span), async () => {
      try {
        await handler(req, res, params, url);
      } finally {
        done();
      }
    });
  };
}

/** ingest.verify around the signature check. */
export function traceVerify<T extends { ok: boolean }>(verify: () => T): T {
  if (!tracer) return verify();
  const span = tracer.startSpan('ingest.verify');
  const result = verify();
  span.setAttribute('switchboard.signature.valid', result.ok);
  if (!result.ok) span.setStatus({ code: SpanStatusCode.ERROR, message: 'invalid signature' });
  span.end();
  return result;
}

type StoreOutcome = { outcomes: ReadonlyArray<{ kind: string; id?: string }> } | { refusal: { code: string } };

/** ingest.store around the group commit; then one "event" span per created event (the worker's parent). */
export async function traceStore<T extends StoreOutcome>(rows: number, store: () => Promise<T>): Promise<T> {
  if (!tracer) return store();
  const span = tracer.startSpan('ingest.store', { attributes: { 'switchboard.rows': rows } });
  const outcome = await store();
  if ('refusal' in outcome) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.refusal.code });
  } else {
    const parent = trace.setSpan(context.active(), span);
    for (const o of outcome.outcomes) {
      if (o.kind !== 'created' || !o.id || !ids) continue;
      ids.next = eventSpanId(o.id);
      tracer.startSpan('event', { attributes: { 'switchboard.event.id': encodeId('Event', o.id) } }, parent).end();
      ids.next = undefined;
    }
  }
  span.end();
  return outcome;
}

/** A "claim" span in each claimed event's trace, spanning the one claim statement. */
export async function traceClaim<T extends ReadonlyArray<{ id: string; traceId: string }>>(claim: () => Promise<T>): Promise<T> {
  if (!tracer) return claim();
  const started = performance.now();
  const claimed = await claim();
  batchSpans('claim', claimed, started);
  return claimed;
}

type Batch = ReadonlyArray<{ event: { id: string; traceId: string } }>;

/** "record" spans, one per event of a recorded batch, spanning the one record statement. */
export function traceRecorded(batch: Batch, started: number): void {
  if (tracer)
    batchSpans(
      'record',
      batch.map((f) => f.event),
      started,
    );
}

/** "publish" spans, one per event, from `started` to now: handing a batch's changes to the live bus. */
export function tracePublished(batch: Batch, started: number): void {
  if (tracer)
    batchSpans(
      'publish',
      batch.map((f) => f.event),
      started,
    );
}

function batchSpans(name: string, events: ReadonlyArray<{ id: string; traceId: string }>, started: number): void {
  const t = tracer as Tracer;
  const ended = performance.now();
  for (const e of events) {
    t.startSpan(name, { startTime: started, attributes: { 'switchboard.batch.size': events.length } }, eventContext(e.traceId, e.id)).end(
      ended,
    );
  }
}

interface DeliveryResult {
  succeeded: boolean;
  errorCode: string | null;
  response: { status: number } | null;
}

/**
 * The outbound call as a client span in the event's trace; its `traceparent` goes to the destination
 * (the sender's own header names the event's trace when tracing is off).
 */
export async function traceDelivery<T extends DeliveryResult>(
  event: { id: string; traceId: string; attemptCount: number },
  target: { destinationUrl: string; destinationMethod: string },
  send: (headers: Record<string, string> | undefined) => Promise<T>,
): Promise<T> {
  if (!tracer) return send(undefined);
  let host = '';
  try {
    host = new URL(target.destinationUrl).host;
  } catch {}
  // The destination's host only: URLs of webhooks often carry their secret in the path or query.
  const span: Span = tracer.startSpan(
    'deliver',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': target.destinationMethod.toUpperCase(),
        'server.address': host,
        'switchboard.event.id': encodeId('Event', event.id),
        'switchboard.attempt': event.attemptCount,
      },
    },
    eventContext(event.traceId, event.id),
  );
  try {
    const { spanId, traceFlags } = span.spanContext();
    const result = await send({ traceparent: `00-${event.traceId}-${spanId}-0${traceFlags & TraceFlags.SAMPLED}` });
    if (result.response) span.setAttribute('http.response.status_code', result.response.status);
    if (!result.succeeded) {
      span.setAttribute('error.type', result.errorCode ?? 'unknown');
      span.setStatus({ code: SpanStatusCode.ERROR, message: result.errorCode ?? undefined });
    }
    return result;
  } finally {
    span.end();
  }
}

const fetchHeaders: TextMapGetter<Headers> = {
  keys: (h) => [...h.keys()],
  get: (h, key) => h.get(key) ?? undefined,
};

/** GraphQL operations (HTTP and graphql-ws) as server spans, continuing a `traceparent` sent over HTTP. */
export function graphqlTracing(): Plugin {
  return {
    onExecute({ args }) {
      if (!tracer) return;
      const op = getOperationAST(args.document, args.operationName);
      const type = op?.operation ?? 'query';
      const name = op?.name?.value;
      const headers = (args.contextValue as { request?: { headers?: Headers } }).request?.headers;
      const parent = headers?.get ? propagation.extract(ROOT_CONTEXT, headers, fetchHeaders) : ROOT_CONTEXT;
      const span = tracer.startSpan(
        `graphql.${type}${name ? ` ${name}` : ''}`,
        { kind: SpanKind.SERVER, attributes: { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) } },
        parent,
      );
      return {
        onExecuteDone({ result }) {
          const errors = (result as { errors?: readonly unknown[] }).errors;
          if (errors?.length) {
            span.setAttribute('graphql.error.count', errors.length);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          span.end();
        },
      };
    },
  };
}
