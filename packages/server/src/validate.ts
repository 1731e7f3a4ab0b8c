/** Request bodies and queries through Zod, with 400s that name the field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ServerError } from './errors.js';

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = base ? `${base}.${key}` : key;
    throw new ServerError(
      'UNKNOWN_FIELD',
      `unknown field ${JSON.stringify(field)}; remove it (see /api/v1/openapi.json for the fields this route takes)`,
      { field },
    );
  }
  const field = base || '(body)';
  throw new ServerError('INVALID_FIELD', `${field}: ${issue.message}`, { field });
}

/** The JSON body (an empty body is `{}`), validated. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ServerError(
        'INVALID_JSON',
        `the body is not JSON (${(error as Error).message}); send application/json`,
      );
    }
  }
  return parseWith(schema, value);
}

/** The SSE resume cursor: `Last-Event-ID` header or `?after=`, else 0. */
export function resumeCursor(c: Context): number {
  const raw = c.req.header('last-event-id') ?? c.req.query('after');
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ServerError(
      'INVALID_FIELD',
      `after: ${JSON.stringify(raw)} is not an event id (an integer ≥ 0)`,
      {
        field: 'after',
      },
    );
  return n;
}
