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

  it('checks ranges, list maps, property counts, combinators and nulls as the apiserver does', () => {
    const wide: JsonSchemaProps = {
      type: 'object',
      properties: {
        low: { type: 'integer', minimum: 1, multipleOf: 2 },
        high: { type: 'number', maximum: 10, exclusiveMaximum: true },
        above: { type: 'integer', minimum: 0, exclusiveMinimum: true },
        short: { type: 'string', minLength: 3 },
        few: { type: 'array', minItems: 2, items: { type: 'integer' } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' } } },
        },
        unique: { type: 'array', uniqueItems: true },
        props: { type: 'object', minProperties: 2, maxProperties: 0 },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        one: { oneOf: [{ type: 'integer' }, { type: 'number' }] },
        never: { not: { type: 'string' } },
        both: { allOf: [{ type: 'string' }, { type: 'string', maxLength: 1 }] },
        absent: { type: 'string' },
        loose: { 'x-kubernetes-preserve-unknown-fields': true },
      },
    };
    const errors = validate(
      {
        low: -1,
        high: 10,
        above: 0,
        short: 'ab',
        few: [1.5],
        ports: [{ name: 'a' }, { name: 'a' }, 'x'],
        unique: [{ a: 1 }, { a: 1 }],
        props: { a: 1 },
        either: true,
        one: 2,
        never: 'x',
        both: 'xy',
        absent: null,
        loose: null,
      },
      wide,
    );
    expect(errors.map((e) => `${e.type} ${e.field}: ${e.detail}`)).toEqual([
      'FieldValueInvalid low: Invalid value: -1: low in body should be greater than or equal to 1',
      'FieldValueInvalid low: Invalid value: -1: low in body should be a multiple of 2',
      'FieldValueInvalid high: Invalid value: 10: high in body should be less than 10',
      'FieldValueInvalid above: Invalid value: 0: above in body should be greater than 0',
      'FieldValueInvalid short: Invalid value: "ab": short in body should be at least 3 chars long',
      'FieldValueInvalid few: Invalid value: 1: few in body should have at least 2 items',
      'FieldValueTypeInvalid few[0]: Invalid value: "number": few[0] in body must be of type integer: "number"',
      'FieldValueTypeInvalid ports[2]: Invalid value: "string": ports[2] in body must be of type object: "string"',
      'FieldValueDuplicate ports[1]: Duplicate value: map[string]interface {}{"name":"a"}',
      'FieldValueDuplicate unique[1]: Duplicate value: "object"',
      'FieldValueTooLong props: Too many: 1: must have at most 0 items',
      'FieldValueInvalid props: Invalid value: 1: props in body should have at least 2 properties',
      'FieldValueInvalid either: Invalid value: true: either in body must match at least one schema (anyOf)',
      'FieldValueInvalid one: Invalid value: 2: one in body must match exactly one schema (oneOf)',
      'FieldValueInvalid never: Invalid value: "x": never in body should not be valid against schema (not)',
      'FieldValueTooLong both: Too long: may not be more than 1 bytes',
      'FieldValueTypeInvalid absent: Invalid value: "null": absent in body must be of type string: "null"',
    ]);
  });
});
