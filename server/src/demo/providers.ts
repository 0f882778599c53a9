// Simulated providers for the demo, served on a loopback port by the same process: a CRM, a payments
// API, an e-commerce platform, chat tools and the workspace's own internal endpoints, answering like
// the real thing — record ids on success, rate-limit headers and 429s, 5xx bursts, slow answers and
// hangs past the client timeout, a credential that "expires" (401 until a reconnect's test call
// re-authorises it), and a daily quota squeezed to ~1% for a while.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Behaviour {
  /** Requests per second before 429s (a fixed one-second window). */
  ratePerSecond: number;
  /** Usual latency range, ms. */
  latency: [number, number];
  /** Share of requests answered slowly (2–4 s). */
  slowRate: number;
  /** Share of requests never answered in time (a hang past the worker's timeout). */
  hangRate: number;
  /** Share of requests failing with a random 5xx outside bursts. */
  errorRate: number;
  recordPrefix: string;
  /** Whether this provider's credential expires now and then (401 until re-authorised). */
  expires: boolean;
}

const BEHAVIOUR: Record<string, Behaviour> = {
  hubspot: {
    ratePerSecond: 4,
    latency: [40, 160],
    slowRate: 0.01,
    hangRate: 0.002,
    errorRate: 0.01,
    recordPrefix: 'hs_contact_',
    expires: false,
  },
  salesforce: {
    ratePerSecond: 10,
    latency: [80, 250],
    slowRate: 0.02,
    hangRate: 0.002,
    errorRate: 0.01,
    recordPrefix: '006',
    expires: true,
  },
  gohighlevel: {
    ratePerSecond: 6,
    latency: [60, 200],
    slowRate: 0.02,
    hangRate: 0.004,
    errorRate: 0.02,
    recordPrefix: 'ghl_msg_',
    expires: false,
  },
  slack: { ratePerSecond: 1, latency: [20, 80], slowRate: 0, hangRate: 0, errorRate: 0.005, recordPrefix: '', expires: false },
  zapier: {
    ratePerSecond: 10,
    latency: [100, 400],
    slowRate: 0.03,
    hangRate: 0.003,
    errorRate: 0.03,
    recordPrefix: 'zap_run_',
    expires: false,
  },
  intercom: {
    ratePerSecond: 8,
    latency: [50, 200],
    slowRate: 0.05,
    hangRate: 0.01,
    errorRate: 0.01,
    recordPrefix: 'conv_',
    expires: false,
  },
  woocommerce: {
    ratePerSecond: 5,
    latency: [150, 600],
    slowRate: 0.08,
    hangRate: 0.02,
    errorRate: 0.06,
    recordPrefix: 'wc_order_',
    expires: false,
  },
};
const INTERNAL: Behaviour = {
  ratePerSecond: 50,
  latency: [5, 40],
  slowRate: 0.005,
  hangRate: 0,
  errorRate: 0.005,
  recordPrefix: 'int_',
  expires: false,
};

interface ProviderState {
  windowStart: number;
  used: number;
  dailyUsed: number;
  /** 5xx burst until (ms epoch). */
  burstUntil: number;
  burstCode: number;
  /** The credential is rejected until a reconnect's test call re-authorises it. */
  expired: boolean;
  /** Until then (ms epoch) the daily quota reads nearly spent: a rate-limit squeeze. */
  squeezedUntil: number;
}

export interface SimulatedProviders {
  url: string;
  /** Starts a 5xx burst on a provider (or a random one). */
  burst(provider?: string, ms?: number): void;
  /** Expires the credential of the provider that supports it. */
  expireCredential(): string | null;
  /** For `ms`, the provider's daily quota reads nearly spent (about 1% left). */
  squeeze(provider: string, ms: number): void;
  close(): Promise<void>;
}

const rand = (a: number, b: number) => a + Math.random() * (b - a);

export async function startSimulatedProviders(opts: { hangMs: number }): Promise<SimulatedProviders> {
  const states = new Map<string, ProviderState>();
  const stateOf = (p: string) => {
    let s = states.get(p);
    if (!s) {
      s = { windowStart: Date.now(), used: 0, dailyUsed: 0, burstUntil: 0, burstCode: 503, expired: false, squeezedUntil: 0 };
      states.set(p, s);
    }
    return s;
  };
  const pending = new Set<NodeJS.Timeout>();
  const later = (ms: number, f: () => void) => {
    const t = setTimeout(() => {
      pending.delete(t);
      f();
    }, ms);
    pending.add(t);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const provider = (req.url ?? '/').split('/')[1] ?? 'internal';
    const internal = (req.url ?? '').includes('/internal/');
    const b = internal ? INTERNAL : (BEHAVIOUR[provider] ?? INTERNAL);
    const s = stateOf(internal ? `${provider}-internal` : provider);
    const now = Date.now();
    const isTest = req.headers['x-switchboard-test'] === '1';
    if (now - s.windowStart >= 1000) {
      s.windowStart = now;
      s.used = 0;
    }
    s.used++;
    s.dailyUsed++;
    const limitHeaders = {
      'x-ratelimit-max': String(b.ratePerSecond),
      'x-ratelimit-remaining': String(Math.max(0, b.ratePerSecond - s.used)),
      'x-ratelimit-limit-daily': '250000',
      'x-ratelimit-daily-remaining': String(s.squeezedUntil > now ? 3000 + ((Math.random() * 500) | 0) : Math.max(0, 250000 - s.dailyUsed)),
      'ratelimit-reset': String(Math.max(1, Math.ceil((s.windowStart + 1000 - now) / 1000))),
    };
    const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(json);
      res.writeHead(status, { 'content-type': 'application/json', ...limitHeaders, ...headers });
      res.end(text);
    };
    if (isTest) {
      // A reconnect's test call: the credential is re-authorised.
      s.expired = false;
      return later(rand(30, 120), () => send(200, { ok: true, account: `${provider}-demo` }));
    }
    if (b.expires && s.expired)
      return later(rand(20, 60), () => send(401, { error: 'invalid_grant', message: 'The access token expired' }));
    if (s.burstUntil > now) return later(rand(5, 50), () => send(s.burstCode, { error: 'upstream unavailable' }, { 'retry-after': '5' }));
    if (s.used > b.ratePerSecond) {
      return later(rand(5, 30), () =>
        send(429, { error: 'rate_limited', message: 'Too many requests' }, { 'retry-after': String(rand(1, 3) | 0) }),
      );
    }
    const roll = Math.random();
    if (roll < b.hangRate) return later(opts.hangMs, () => res.destroy());
    if (roll < b.hangRate + b.errorRate)
      return later(rand(10, 100), () => send([500, 502, 503, 504][(Math.random() * 4) | 0] as number, { error: 'internal error' }));
    let parsed: { id?: unknown } = {};
    try {
      parsed = JSON.parse(body) as { id?: unknown };
    } catch {
      return later(10, () => send(400, { error: 'invalid JSON' }));
    }
    const delay = Math.random() < b.slowRate ? rand(2000, 4000) : rand(b.latency[0], b.latency[1]);
    later(delay, () => {
      if (provider === 'slack' && !internal) {
        res.writeHead(200, { 'content-type': 'text/plain', ...limitHeaders });
        return void res.end('ok');
      }
      send(201, { id: `${b.recordPrefix}${randomBytes(6).toString('hex')}`, received: parsed.id ?? null });
    });
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => answer(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    burst(provider, ms = 20_000) {
      const names = Object.keys(BEHAVIOUR);
      const p = provider ?? (names[(Math.random() * names.length) | 0] as string);
      const s = stateOf(p);
      s.burstUntil = Date.now() + ms;
      s.burstCode = [500, 502, 503, 504][(Math.random() * 4) | 0] as number;
    },
    squeeze(provider, ms) {
      stateOf(provider).squeezedUntil = Date.now() + ms;
    },
    expireCredential() {
      const p = Object.entries(BEHAVIOUR).find(([, b]) => b.expires)?.[0];
      if (!p) return null;
      stateOf(p).expired = true;
      return p;
    },
    async close() {
      for (const t of pending) clearTimeout(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
