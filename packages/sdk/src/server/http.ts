/**
 * JSON calls to a `corral serve` API, and the one place its answers and transport failures become
 * SDK errors. The server's error body is `{ error: { code, message, field? } }` (docs/server.md).
 */
import { compact } from '../compact.js';
import {
  AbortedError,
  AuthenticationError,
  ConnectionError,
  CorralError,
  InvalidArgumentError,
  NotFoundError,
} from '../errors.js';

export interface ServerCall {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  signal?: AbortSignal | undefined;
  /** Names the call in error messages, e.g. `create a sandbox`. */
  operation: string;
}

export interface ServerHttp {
  /** The parsed JSON answer; `undefined` for 204. Throws `NotFoundError` on 404. */
  json<T>(call: ServerCall): Promise<T | undefined>;
}

export function serverHttp(url: string, token: string, fetchImpl: typeof fetch): ServerHttp {
  const base = url.replace(/\/+$/, '');
  return {
    async json<T>(call: ServerCall): Promise<T | undefined> {
      let response: Response;
      try {
        response = await fetchImpl(base + call.path, {
          method: call.method,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
          ...compact({ signal: call.signal }),
        });
      } catch (error) {
        if (call.signal?.aborted)
          throw new AbortedError(`${call.operation} was aborted.`, { cause: call.signal.reason });
        throw new ConnectionError(
          `${call.operation}: cannot reach the Corral server at ${base} (${describe(error)}); check the URL and that \`corral serve\` is running`,
          { cause: error },
        );
      }
      if (response.status === 204) return undefined;
      const text = await response.text();
      if (!response.ok) throw errorFromAnswer(call, base, response.status, text);
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new CorralError(`${call.operation}: the server at ${base} sent invalid JSON`, {
          code: 'INVALID_RESPONSE',
          cause: error,
        });
      }
    },
  };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function errorFromAnswer(call: ServerCall, base: string, status: number, text: string): Error {
  let code: string | undefined;
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    message = body.error?.message ?? message;
  } catch {
    // not the server's JSON: keep the text
  }
  const what = `${call.operation}: ${message}`;
  const options = { httpStatus: status };
  if (status === 401)
    return new AuthenticationError(
      `${call.operation}: the server at ${base} refused the token (${message}); pass the token \`corral serve\` printed (it is in <state-dir>/server-token)`,
      options,
    );
  if (status === 404) return new NotFoundError(what, options);
  if (status === 400 || status === 413 || status === 422)
    return new InvalidArgumentError(what, options);
  return new CorralError(`${what} (HTTP ${status}${code ? ` ${code}` : ''})`, {
    ...options,
    code: 'HTTP_ERROR',
    retryable: status === 502 || status === 503,
  });
}
