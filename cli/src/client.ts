// The CLI's only way in: Switchboard's public API, GraphQL over HTTP for queries and mutations and
// graphql-ws for live updates, with an API key as a Bearer token. Every failure becomes a CliError whose
// message is the one line the user sees (the key itself is never part of it).
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface Connection {
  url: string;
  key: string;
}

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string };
}

const REQUEST_TIMEOUT_MS = 30_000;

/** The server's base URL and key, from flags or SWITCHBOARD_URL / SWITCHBOARD_KEY. */
export function connectionFrom(opts: { url?: string; key?: string }, env: NodeJS.ProcessEnv = process.env): Connection {
  const raw = opts.url ?? env.SWITCHBOARD_URL ?? 'http://127.0.0.1:4000';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`not a URL: ${JSON.stringify(raw)} (--url or SWITCHBOARD_URL, e.g. http://127.0.0.1:4000)`, 2);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`the server URL must be http(s): ${raw}`, 2);
  const key = opts.key ?? env.SWITCHBOARD_KEY;
  if (!key) throw new CliError('no API key: set SWITCHBOARD_KEY or pass --key', 2);
  return { url: url.href.replace(/\/+$/, ''), key };
}

function unreachable(url: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).message;
  if ((error as Error).name === 'TimeoutError') return new CliError(`${url} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
  return new CliError(`cannot reach the Switchboard server at ${url} (${why})`);
}

/** The one line for a GraphQL error: what the server said and its code. */
export function describeErrors(errors: GraphQLErrorShape[]): CliError {
  const first = errors[0];
  const code = first?.extensions?.code;
  if (code === 'UNAUTHENTICATED') return new CliError(`the server refused the API key: ${first?.message} (UNAUTHENTICATED)`);
  if (code === 'FORBIDDEN') return new CliError(`the API key may not do this: ${first?.message} (FORBIDDEN)`);
  return new CliError(`${first?.message ?? 'unknown error'}${code ? ` (${code})` : ''}`);
}

export async function graphql<T>(conn: Connection, query: string, variables?: Record<string, unknown>): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${conn.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${conn.key}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw unreachable(conn.url, error);
  }
  const text = await res.text();
  let body: { data?: T | null; errors?: GraphQLErrorShape[] };
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(`${conn.url} did not answer like a Switchboard server (HTTP ${res.status} from /graphql)`);
  }
  if (body.errors?.length) throw describeErrors(body.errors);
  if (!body.data) throw new CliError(`${conn.url} answered HTTP ${res.status} without data`);
  return body.data;
}

export interface Subscription {
  /** Resolves when the subscription ends (the server completes it); rejects with a CliError. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * A long-lived graphql-ws subscription. Once it has been connected, a dropped socket is retried
 * (a restarting server) and `onReconnected` is told, since what happened meanwhile was not seen.
 */
export function subscribe<T>(
  conn: Connection,
  query: string,
  variables: Record<string, unknown>,
  handlers: { onData(data: T): void; onConnected?(): void; onReconnected?(): void },
): Subscription {
  let connectedOnce = false;
  let stopping = false;
  const client: Client = createClient({
    url: `${conn.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${conn.key}` },
    retryAttempts: 20,
    shouldRetry: (event) => connectedOnce && !stopping && (event as { code?: number }).code !== 4403,
    on: {
      connected: () => {
        if (connectedOnce) handlers.onReconnected?.();
        else handlers.onConnected?.();
        connectedOnce = true;
      },
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) reject(describeErrors(result.errors as GraphQLErrorShape[]));
          else if (result.data) handlers.onData(result.data as T);
        },
        error: (error) => {
          if (stopping) return resolve();
          const code = (error as { code?: number }).code;
          const reason = (error as { reason?: string }).reason;
          if (code === 4403) reject(new CliError(`the server refused the API key for live updates: ${reason || 'Forbidden'} (4403)`));
          else if (Array.isArray(error)) reject(describeErrors(error as GraphQLErrorShape[]));
          else if (code !== undefined)
            reject(new CliError(`the live connection to ${conn.url} closed (${code}${reason ? `: ${reason}` : ''})`));
          else reject(unreachable(conn.url, error));
        },
        complete: () => resolve(),
      },
    );
  });
  return {
    done,
    async stop() {
      stopping = true;
      await client.dispose();
    },
  };
}
