/**
 * Writing responses and reading bodies, as `k8s.io/apiserver/pkg/endpoints/handlers/responsewriters`
 * and the handlers' body decoding do: JSON bodies, `Warning` headers, `Status` objects, the 3 MiB
 * request limit, JSON/YAML request bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, StatusError, unsupportedMediaType } from '../store/status-error.js';
import type { KubeStatus } from '../store/status-error.js';
import type { RequestRecord } from './request-log.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function formatWarning(text: string): string {
  return `299 - "${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export function send(
  res: ServerResponse,
  record: RequestRecord,
  status: number,
  body: unknown,
  warnings: readonly string[] = [],
  extraHeaders: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
    ...extraHeaders,
  };
  if (warnings.length > 0) headers.Warning = warnings.map(formatWarning);
  record.status = status;
  res.writeHead(status, headers);
  res.end(text);
}

export function sendStatus(
  res: ServerResponse,
  record: RequestRecord,
  status: KubeStatus,
  warnings: readonly string[] = [],
  extraHeaders: Record<string, string> = {},
): void {
  send(res, record, status.code, status, warnings, extraHeaders);
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new StatusError(
            413,
            'RequestEntityTooLarge',
            'Request entity too large: limit is 3145728',
          ),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function parseBody(buffer: Buffer, contentType: string): unknown {
  const text = buffer.toString('utf8');
  if (text.trim() === '') return undefined;
  if (/yaml/.test(contentType)) {
    try {
      return parseYaml(text) as unknown;
    } catch (err) {
      throw badRequest(`error decoding YAML: ${(err as Error).message}`);
    }
  }
  if (/protobuf|cbor/.test(contentType)) {
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding JSON: ${(err as Error).message}`);
  }
}
