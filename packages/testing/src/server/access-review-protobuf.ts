/**
 * kubectl sends a `SelfSubjectAccessReview` as protobuf (`application/vnd.kubernetes.protobuf`),
 * as it does for every built-in kind it creates with a typed client, and does not fall back to
 * JSON on a 415. The review is small, so this reads just its spec from the wire format: the
 * `k8s\0` magic, the `runtime.Unknown` envelope, then SelfSubjectAccessReview.spec
 * (k8s.io/api/authorization/v1/generated.proto).
 */
import { badRequest } from '../store/status-error.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Fields = Map<number, Buffer[]>;

/** The length-delimited (wire type 2) fields of one message; varints are skipped. */
function fieldsOf(buffer: Buffer): Fields {
  const fields: Fields = new Map();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= buffer.length) throw badRequest('truncated protobuf varint');
      const byte = buffer[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
  };
  while (at < buffer.length) {
    const key = varint();
    const wire = key % 8;
    const field = Math.floor(key / 8);
    if (wire === 0) {
      varint();
    } else if (wire === 2) {
      const length = varint();
      if (at + length > buffer.length) throw badRequest('truncated protobuf field');
      const list = fields.get(field) ?? [];
      list.push(buffer.subarray(at, at + length));
      fields.set(field, list);
      at += length;
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else {
      throw badRequest(`unsupported protobuf wire type ${wire}`);
    }
  }
  return fields;
}

function strings(fields: Fields, names: Record<number, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [number, name] of Object.entries(names)) {
    const value = fields.get(Number(number))?.[0];
    if (value !== undefined) out[name] = value.toString('utf8');
  }
  return out;
}

/** The `spec` of a protobuf-encoded SelfSubjectAccessReview, as its JSON form. */
export function accessReviewSpecFromProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw badRequest('protobuf body without the k8s\\0 prefix');
  }
  const raw = fieldsOf(body.subarray(MAGIC.length)).get(2)?.[0];
  if (raw === undefined) throw badRequest('protobuf envelope without raw bytes');
  const spec = fieldsOf(raw).get(2)?.[0];
  if (spec === undefined) return {};
  const specFields = fieldsOf(spec);
  const out: Record<string, unknown> = {};
  const resource = specFields.get(1)?.[0];
  if (resource !== undefined) {
    out.resourceAttributes = strings(fieldsOf(resource), {
      1: 'namespace',
      2: 'verb',
      3: 'group',
      4: 'version',
      5: 'resource',
      6: 'subresource',
      7: 'name',
    });
  }
  const nonResource = specFields.get(2)?.[0];
  if (nonResource !== undefined) {
    out.nonResourceAttributes = strings(fieldsOf(nonResource), { 1: 'path', 2: 'verb' });
  }
  return out;
}
