// The circuit breaker: a destination that is down (connections cut) opens the circuit once every
// attempt has failed for the (time-scaled) window; deliveries are held — no attempt spent — while one
// probe is tried on a backoff; when the destination comes back the first success closes the circuit and
// every held event is delivered, in the order received, with its retry budget intact. The incident
// (ALL_FAILING) opens with the circuit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addIntegration, type Receiver, seedWorkspace, sql, startReceiver, waitFor, type Workspace } from '../helpers/pipeline.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface EventRow {
  id: string;
  n: number;
  status: string;
  attempt_count: number;
  retry_base: number;
}

let server: TestServer;
let ws: Workspace;
let receiver: Receiver;

beforeAll(async () => {
  // 0.01: the breaker's 30 s window is 300 ms, its probe backoff 50 ms doubling to at most 3 s; the
  // default retry schedule (0, 5 s, 5 min, …) becomes 0, 50 ms, 3 s, 18 s, …
  server = await startTestServer({
    SWITCHBOARD_TIME_SCALE: '0.01',
    SWITCHBOARD_WORKER_POLL_MS: '20',
    SWITCHBOARD_INSIGHT_INTERVAL_MS: '200',
  });
  ws = await seedWorkspace(server);
  receiver = await startReceiver();
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

async function publish(n: number): Promise<void> {
  const r = await fetch(`${server.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ws.ingestKey}` },
    body: JSON.stringify({ eventType: 'breaker.test', payload: { n } }),
  });
  expect(r.status).toBe(202);
}

describe('circuit breaker', () => {
  it('opens on a dead destination, probes, closes when it comes back; held events delivered in order, budget intact', async () => {
    let down = true;
    receiver.handle = (req, res) => {
      if (down) return void res.socket?.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `ok_${JSON.parse(req.body).n}` }));
    };
    const integ = await addIntegration(server, ws.workspaceId, {
      type: 'OUTBOUND_WEBHOOK',
      destinationUrl: `${receiver.url}/breaker`,
      subscribedEventTypes: ['breaker.test'],
      // One at a time, so "in order" is the order of the requests.
      maxInFlight: 1,
    });
    const events = () =>
      sql<EventRow>(
        server,
        `select id, (payload->>'n')::int as n, status, attempt_count, retry_base from event where integration_id = $1 order by received_at`,
        [integ.id],
      );
    const circuit = async () =>
      (
        await server.gql<{ integration: { circuit: string; circuitOpenedAt: string | null } }>(
          ws.adminKey,
          'query($id: ID!) { integration(id: $id) { circuit circuitOpenedAt } }',
          { id: integ.publicId },
        )
      ).data?.integration;

    for (let n = 0; n < 4; n++) await publish(n);
    await waitFor(async () => (await circuit())?.circuit !== 'CLOSED', 20_000, 'the circuit to open');
    expect((await circuit())?.circuitOpenedAt).not.toBeNull();
    // Nothing of this integration is in flight but a probe: what each event has spent so far.
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>(server, `select count(*)::int as n from event where integration_id = $1 and status = 'PROCESSING'`, [
            integ.id,
          ])
        )[0]?.n === 0,
      10_000,
      'in-flight attempts recorded',
    );
    const atOpen = new Map((await events()).map((e) => [e.n, e]));
    // Events arriving while it is open are held: no attempt.
    for (let n = 4; n < 8; n++) await publish(n);
    const requestsAtOpen = receiver.requests.length;
    // Probes go out (one event each time, on the backoff) while the others wait.
    await waitFor(() => receiver.requests.length >= requestsAtOpen + 3, 20_000, 'three probes');
    const held = await events();
    // (One of them may have been a probe: RETRYING, its failed probes recorded but not charged; a probe in
    // flight right now counts its attempt until its outcome is recorded, so it is left out.)
    for (const e of held.filter((x) => x.n >= 4 && x.status !== 'PROCESSING'))
      expect(e.attempt_count - e.retry_base, `event ${e.n}`).toBe(0);
    // Charged attempts did not move while open (probes are not charged).
    for (const e of held.filter((x) => x.n < 4 && x.status !== 'PROCESSING'))
      expect(e.attempt_count - e.retry_base).toBe((atOpen.get(e.n) as EventRow).attempt_count - (atOpen.get(e.n) as EventRow).retry_base);
    // The incident opened with the circuit (not 10 minutes into the outage).
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>(
            server,
            `select count(*)::int as n from incident where integration_id = $1 and kind = 'ALL_FAILING' and state = 'OPEN'`,
            [integ.id],
          )
        )[0]?.n === 1,
      20_000,
      'an ALL_FAILING incident',
    );

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^switchboard_circuit_transitions_total\{to="OPEN"\} [1-9]/m);

    // The destination comes back: the next probe succeeds, the circuit closes, everything is delivered.
    const recoveredAt = receiver.requests.length;
    down = false;
    await waitFor(async () => (await events()).every((e) => e.status === 'DELIVERED'), 30_000, 'all delivered');
    expect((await circuit())?.circuit).toBe('CLOSED');
    expect((await circuit())?.circuitOpenedAt).toBeNull();
    const delivered = receiver.requests.slice(recoveredAt).map((r) => JSON.parse(r.body).n as number);
    // The probe first (whichever event it was), then the held events in the order received.
    const [probe, ...rest] = delivered;
    expect(rest).toEqual([...Array(8).keys()].filter((n) => n !== probe));
    // Budget intact: each event was charged exactly its attempts from before the circuit opened, plus the one that delivered it.
    for (const e of await events()) {
      const before = atOpen.get(e.n);
      const chargedBefore = before ? before.attempt_count - before.retry_base : 0;
      expect(e.attempt_count - e.retry_base, `event ${e.n}`).toBe(chargedBefore + 1);
      // Any other request it made while the circuit was open was a probe, recorded but not charged.
      expect(e.attempt_count - (before?.attempt_count ?? 0) - 1, `event ${e.n}`).toBe(e.retry_base - (before?.retry_base ?? 0));
    }
  });
});
