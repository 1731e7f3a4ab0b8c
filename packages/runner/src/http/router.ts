/**
 * A small method + path router. Patterns use `:name` for one segment and a trailing `*name` for
 * the rest of the path (raw, still percent-encoded, possibly empty). Paths are matched on the raw
 * request target on purpose: WHATWG URL parsing would silently collapse `..` segments, which the
 * file routes must see (and refuse).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, withBody } from './errors.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Raw path without the query string. */
  path: string;
}

export type Handler = (ctx: RequestContext) => Promise<void> | void;

export interface RouteDef {
  method: string;
  pattern: string;
  /** Reachable without the bearer token. */
  public?: boolean;
}

interface Route extends RouteDef {
  segments: string[];
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, opts: { public?: boolean } = {}): this {
    this.routes.push({
      method,
      pattern,
      segments: pattern.split('/').slice(1),
      handler,
      ...(opts.public ? { public: true } : {}),
    });
    return this;
  }

  /** The route table, for documentation checks. */
  definitions(): RouteDef[] {
    return this.routes.map(({ method, pattern, public: isPublic }) => ({
      method,
      pattern,
      ...(isPublic ? { public: true } : {}),
    }));
  }

  /** Finds the route; throws 404 when no path matches and 405 when only the method differs. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    const parts = path.split('/').slice(1);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    // `detail` as FastAPI words it, for upstream's python-runtime clients.
    if (allowed.length > 0) {
      throw withBody(
        new HttpError(
          405,
          'METHOD_NOT_ALLOWED',
          `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
          { allow: allowed.join(', ') },
        ),
        { detail: 'Method Not Allowed' },
      );
    }
    throw withBody(new HttpError(404, 'NOT_FOUND', `no route for ${method} ${path}`), {
      detail: 'Not Found',
    });
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i]!;
    if (seg.startsWith('*')) {
      params[seg.slice(1)] = parts.slice(i).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (seg.startsWith(':')) {
      if (part === '') return undefined;
      params[seg.slice(1)] = part;
    } else if (seg !== part) {
      return undefined;
    }
  }
  return parts.length === pattern.length ? params : undefined;
}
