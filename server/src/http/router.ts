// A minimal router: exact or pattern paths, one handler each. Ingest is hot, so no framework sits in front of it.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, url: URL) => Promise<void> | void;

interface Route {
  method: string;
  name: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  readonly #routes: Route[] = [];

  /** `path` like `/ingest/:integrationId`. `name` labels metrics. */
  add(method: string, path: string, handler: Handler, name = path): this {
    const keys: string[] = [];
    const source = path.replace(/:([A-Za-z]+)/g, (_m, k: string) => {
      keys.push(k);
      return '([^/]+)';
    });
    this.#routes.push({ method, name, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** The route for a request, or `methodNotAllowed` when the path exists under another method. */
  match(
    method: string,
    pathname: string,
  ): { route: Route; params: Record<string, string> } | { methodNotAllowed: string[] } | { malformed: string } | null {
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [i, k] of route.keys.entries()) {
        const raw = m[i + 1] as string;
        const value = safeDecode(raw);
        if (value === null) return { malformed: `The path segment "${raw}" is not valid percent-encoding` };
        params[k] = value;
      }
      return { route, params };
    }
    return allowed.length ? { methodNotAllowed: allowed } : null;
  }
}

/** decodeURIComponent without the URIError: null for malformed percent-encoding (`%E0%A4%A`). */
export function safeDecode(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}
