/** The apiserver's checks on `metadata` that apply to every kind, with its exact messages. */
import type { FieldError } from '../store/status-error.js';
import type { ObjectMeta } from '../store/types.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export type NameRule = 'subdomain' | 'label' | 'dns1035';

/** Each name rule: the longest name, the pattern, and the apiserver's wording when it fails. */
const NAME_RULES: Record<NameRule, { maxLength: number; pattern: RegExp; describe: string }> = {
  label: {
    maxLength: 63,
    pattern: DNS1123_LABEL,
    describe:
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
  },
  dns1035: {
    maxLength: 63,
    pattern: DNS1035_LABEL,
    describe:
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  },
  subdomain: {
    maxLength: 253,
    pattern: DNS1123_SUBDOMAIN,
    describe:
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  },
};

export function nameErrors(name: string, rule: NameRule, field = 'metadata.name'): FieldError[] {
  const { maxLength, pattern, describe } = NAME_RULES[rule];
  const invalid = (why: string): FieldError[] => [
    { type: 'FieldValueInvalid', field, detail: `Invalid value: "${name}": ${why}` },
  ];
  if (name.length > maxLength) return invalid(`must be no more than ${maxLength} characters`);
  if (!pattern.test(name)) return invalid(describe);
  return [];
}

function qualifiedNameErrors(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const errors: FieldError[] = [];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    errors.push({
      type: 'FieldValueInvalid',
      field,
      detail: `Invalid value: "${key}": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    errors.push({
      type: 'FieldValueInvalid',
      field,
      detail: `Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    });
  }
  return errors;
}

/** Validates labels, annotation keys, and the shape of owner references and finalizers. */
export function metadataErrors(meta: ObjectMeta): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(meta.labels ?? {})) {
    errors.push(...qualifiedNameErrors(key, 'metadata.labels'));
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        detail: `Invalid value: "${String(value)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      });
    }
  }
  for (const key of Object.keys(meta.annotations ?? {})) {
    errors.push(...qualifiedNameErrors(key, 'metadata.annotations'));
  }
  for (const [i, ref] of (meta.ownerReferences ?? []).entries()) {
    for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) {
      if (typeof ref[f] !== 'string' || ref[f] === '') {
        errors.push({
          type: 'FieldValueInvalid',
          field: `metadata.ownerReferences[${i}].${f}`,
          detail: `Invalid value: "": ${f} must not be empty`,
        });
      }
    }
  }
  const controllers = (meta.ownerReferences ?? []).filter((r) => r.controller === true).length;
  if (controllers > 1) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'metadata.ownerReferences',
      detail: 'Invalid value: "": Only one reference can have Controller set to true',
    });
  }
  return errors;
}
