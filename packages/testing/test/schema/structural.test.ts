/* eslint-disable @typescript-eslint/no-explicit-any -- client-node types custom-object bodies and errors as any */
import { describe, expect, it } from 'vitest';
import { applyDefaults, prune, validate } from '../../src/schema/structural.js';
import type { JsonSchemaProps } from '../../src/schema/types.js';

const schema: JsonSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 5, pattern: '^[a-z]+$' },
        port: { 'x-kubernetes-int-or-string': true },
        when: { type: 'string', format: 'date-time' },
        mode: { type: 'string', enum: ['A', 'B'], default: 'A' },
        tags: {
          type: 'array',
          items: { type: 'string' },
          'x-kubernetes-list-type': 'set',
          maxItems: 2,
        },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        maybe: { type: 'string', nullable: true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        embedded: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object' } },
        },
      },
    },
  },
};

describe('structural schema', () => {
  it('defaults, prunes unknown fields and keeps preserved ones', () => {
    const obj: any = {
      apiVersion: 'x/v1',
      kind: 'X',
      metadata: { name: 'n', bogus: 1 },
      spec: {
        name: 'a',
        junk: true,
        extra: { anything: [1] },
        embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, other: 1 },
      },
    };
    expect(prune(obj, schema).sort()).toEqual([
      'metadata.bogus',
      'spec.embedded.other',
      'spec.junk',
    ]);
    applyDefaults(obj, schema);
    expect(obj.spec).toEqual({
      name: 'a',
      mode: 'A',
      extra: { anything: [1] },
      embedded: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
    });
  });

  it('reports each problem with the apiserver wording', () => {
    const errors = validate(
      {
        spec: {
          name: 'TOOLONG',
          port: 1.5,
          when: 'yesterday',
          mode: 'C',
          tags: ['a', 'a', 'b'],
          maybe: null,
          labels: { a: 1 },
          embedded: {},
        },
      },
      schema,
    );
    expect(errors.map((e) => `${e.type} ${e.field}: ${e.detail}`)).toEqual([
      'FieldValueTooLong spec.name: Too long: may not be more than 5 bytes',
      `FieldValueInvalid spec.name: Invalid value: "TOOLONG": spec.name in body should match '^[a-z]+$'`,
      'FieldValueTypeInvalid spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number"',
      'FieldValueInvalid spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      'FieldValueNotSupported spec.mode: Unsupported value: "C": supported values: "A", "B"',
      'FieldValueTooLong spec.tags: Too many: 3: must have at most 2 items',
      'FieldValueDuplicate spec.tags[1]: Duplicate value: "a"',
      'FieldValueTypeInvalid spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"',
      'FieldValueRequired spec.embedded.apiVersion: Required value: must not be empty',
      'FieldValueRequired spec.embedded.kind: Required value: must not be empty',
    ]);
    expect(validate({ spec: {} }, schema)).toEqual([
      { type: 'FieldValueRequired', field: 'spec.name', detail: 'Required value' },
    ]);
    expect(
      validate({ spec: { name: 'ok', port: 'http', when: '2026-01-01T00:00:00Z' } }, schema),
    ).toEqual([]);
  });
});
