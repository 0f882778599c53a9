import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventSpanId, startTracing, type Tracing, traceDelivery, tracingEnabled } from './tracing.ts';

const event = { id: '01a23322-5531-706c-bd85-a0524e045eb0', traceId: 'c802c13cce32b9aa866d5bef51315645', attemptCount: 1 };
const target = { destinationUrl: 'https://hooks.example/T0/B0/secret', destinationMethod: 'POST' };
const ok = { succeeded: true, errorCode: null, response: { status: 200 } };

async function headersSent(): Promise<Record<string, string> | undefined> {
  let sent: Record<string, string> | undefined;
  await traceDelivery(event, target, async (headers) => {
    sent = headers;
    return ok;
  });
  return sent;
}

describe('tracing', () => {
  let tracing: Tracing | null = null;
  // A collector that accepts and forgets (one that is down would make every shutdown wait for it).
  let collector: Server;
  let endpoint = '';
  beforeAll(async () => {
    collector = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{}')));
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = null;
  });

  it("an event's span id is the random tail of its UUIDv7", () => {
    expect(eventSpanId(event.id)).toBe('bd85a0524e045eb0');
  });

  it('without an endpoint nothing is started, and deliveries get no extra headers (the sender names the trace)', async () => {
    tracing = startTracing({ serviceName: 'x' });
    expect(tracing).toBeNull();
    expect(tracingEnabled()).toBe(false);
    expect(await headersSent()).toBeUndefined();
  });

  it("the destination's traceparent carries the delivery span and the sampling decision (OTEL_TRACES_SAMPLER_ARG)", {
    timeout: 15_000,
  }, async () => {
    tracing = startTracing({ endpoint, serviceName: 'x' });
    expect(tracingEnabled()).toBe(true);
    const sampled = (await headersSent())?.traceparent;
    expect(sampled).toMatch(new RegExp(`^00-${event.traceId}-[0-9a-f]{16}-01$`));
    expect(sampled?.split('-')[2]).not.toBe(eventSpanId(event.id));
    await tracing?.shutdown();

    tracing = startTracing({ endpoint, serviceName: 'x', sampler: 'parentbased_traceidratio', samplerRatio: 0 });
    expect((await headersSent())?.traceparent).toMatch(new RegExp(`^00-${event.traceId}-[0-9a-f]{16}-00$`));
  });
});
