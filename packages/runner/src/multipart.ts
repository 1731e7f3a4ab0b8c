/** Just enough multipart/form-data parsing for the legacy `POST /upload` (one buffered body). */
import { invalidArgument } from './http/errors.js';

export interface FormPart {
  name: string | undefined;
  filename: string | undefined;
  data: Buffer;
}

export function boundaryOf(contentType: string | undefined): string {
  const m = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(
    contentType ?? '',
  );
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) {
    throw invalidArgument(
      'content-type must be multipart/form-data with a boundary and a "file" part',
    );
  }
  return boundary;
}

function param(disposition: string, key: string): string | undefined {
  const m =
    new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ??
    new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition);
  return m?.[1]?.replace(/\\(.)/g, '$1');
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw invalidArgument('multipart body has no part boundary');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw invalidArgument('multipart part has no header terminator');
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw invalidArgument('multipart body is truncated (no closing boundary)');
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    parts.push({
      name: param(disposition, 'name'),
      filename: param(disposition, 'filename'),
      data: body.subarray(headerEnd + 4, next),
    });
    pos = next + 2;
  }
  return parts;
}
