/**
 * What upstream's python-runtime server (FastAPI + pydantic v2, as its requirements pin them)
 * says, byte for byte where its clients look: validation errors, Python reprs in messages, the
 * download's `Content-Disposition`.
 */
import type { IncomingMessage } from 'node:http';
import { readBody } from '../http/body.js';
import { HttpError, withBody } from '../http/errors.js';

/** One entry of FastAPI's `{"detail": [...]}` (pydantic v2's error shape). */
export interface ValidationDetail {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** 422 as FastAPI answers a request that fails validation, plus Corral's `code`/`message`. */
export function validationError(detail: ValidationDetail, message: string): HttpError {
  return withBody(new HttpError(422, 'INVALID_ARGUMENT', message), { detail: [detail] });
}

/**
 * Reads a JSON object body the way FastAPI validates a pydantic model: 422 for a missing body,
 * bad JSON or a non-object. Unknown fields are left for the caller to ignore, as pydantic does.
 */
export async function readModelBody(
  req: IncomingMessage,
  limit: number,
): Promise<Record<string, unknown>> {
  const raw = (await readBody(req, limit)).toString('utf8');
  if (raw.length === 0) {
    throw validationError(
      { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
      'request body is empty; send a JSON object',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(text);
    throw validationError(
      {
        type: 'json_invalid',
        loc: ['body', position ? Number(position[1]) : 0],
        msg: 'JSON decode error',
        input: {},
        ctx: { error: text },
      },
      `request body is not valid JSON: ${text}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError(
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: value,
      },
      'request body must be a JSON object',
    );
  }
  return value as Record<string, unknown>;
}

/** A required string field of a model body, with pydantic's errors. */
export function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined) {
    throw validationError(
      { type: 'missing', loc: ['body', field], msg: 'Field required', input: body },
      `field "${field}" is required (a string)`,
    );
  }
  if (typeof value !== 'string') {
    throw validationError(
      {
        type: 'string_type',
        loc: ['body', field],
        msg: 'Input should be a valid string',
        input: value,
      },
      `field "${field}" must be a string`,
    );
  }
  return value;
}

/** Python's `repr()` of a str. */
export function pyRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python's `str()` of a list of str. */
export function pyListRepr(values: readonly string[]): string {
  return `[${values.map(pyRepr).join(', ')}]`;
}

/** Python's `str()` of a float (`300.0`, `0.5`). */
export function pyFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** The text Python puts in an OSError from a failed exec, e.g. `[Errno 2] No such file …: 'x'`. */
export function pyExecError(error: unknown, program: string): string {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ENOENT') return `[Errno 2] No such file or directory: ${pyRepr(program)}`;
  if (code === 'EACCES') return `[Errno 13] Permission denied: ${pyRepr(program)}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * RFC 6266 `Content-Disposition` for a download: a quoted ASCII `filename` always (old clients),
 * plus `filename*=UTF-8''…` (RFC 8187) when the name is not plain ASCII.
 */
export function contentDisposition(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !/["\\]/.test(name)) {
    return `attachment; filename="${name}"`;
  }
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/gu, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Upstream treats a leading `/` as "relative to the base directory". */
export function baseRelative(path: string): string {
  return path.replace(/^\/+/, '');
}
