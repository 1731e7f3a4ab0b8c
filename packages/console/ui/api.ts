import { readSse } from './sse.js';
import type { StreamEvent } from './types.js';

/** An answer the server refused: its `error.code`, message and (for 400) the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called on any 401: the app swaps every page for the "open the URL corral serve printed" screen. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

async function failure(response: Response): Promise<ApiError> {
  if (response.status === 401) for (const listener of unauthorizedListeners) listener();
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's page, a dropped connection): the status line is all there is.
  }
  const error = (body as { error?: { code?: string; message?: string; field?: string } } | null)
    ?.error;
  return new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `${response.status} ${response.statusText}`,
    error?.field ?? null,
  );
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

function init(options: RequestOptions, accept: string): RequestInit {
  const headers: Record<string, string> = { accept };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return {
    method: options.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** A JSON request under `/api/v1`; resolves to the parsed body (undefined for 204). */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await fetch(`/api/v1${path}`, init(options, 'application/json'));
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/**
 * A Server-Sent Events request (GET or POST) read through `fetch`, so a 401 is seen as a 401
 * (EventSource hides the status) and POST bodies work. Resolves when the server ends the stream.
 */
export async function stream(
  path: string,
  onEvent: (event: StreamEvent) => void,
  options: RequestOptions & { lastEventId?: number } = {},
): Promise<void> {
  const request = init(options, 'text/event-stream');
  if (options.lastEventId !== undefined)
    (request.headers as Record<string, string>)['last-event-id'] = String(options.lastEventId);
  const response = await fetch(`/api/v1${path}`, request);
  if (!response.ok) throw await failure(response);
  if (response.body === null) return;
  await readSse(response.body, onEvent);
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError)
    return error.field ? `${error.message} (field: ${error.field})` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
