import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FieldPath } from '../validation/index.ts';
import { compileValidationRules, evaluateValidationRules } from './index.ts';
import type { JSONSchemaProps } from './index.ts';

const scaleSchema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'self.minReplicas <= self.replicas', message: 'minReplicas must be <= replicas' },
        { rule: 'self.replicas <= self.maxReplicas' },
        {
          rule: "!has(self.mode) || self.mode != 'bad'",
          messageExpression: "'mode ' + self.mode + ' is not allowed'",
        },
        { rule: 'self.replicas < 100', reason: 'FieldValueForbidden', message: 'too many' },
      ],
      properties: {
        minReplicas: { type: 'integer' },
        replicas: { type: 'integer' },
        maxReplicas: { type: 'integer' },
        mode: { type: 'string' },
        name: {
          type: 'string',
          'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'Value is immutable' }],
        },
        ratio: { type: 'number', 'x-kubernetes-validations': [{ rule: 'self <= 1.0' }] },
        memory: {
          'x-kubernetes-int-or-string': true,
          'x-kubernetes-validations': [
            {
              rule: "quantity(string(self)).isLessThan(quantity('1Gi'))",
              message: 'memory too large',
            },
          ],
        },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, port: { type: 'integer' } },
            'x-kubernetes-validations': [
              { rule: 'self.port == oldSelf.port', message: 'port is immutable' },
            ],
          },
        },
        labels: {
          type: 'object',
          additionalProperties: {
            type: 'string',
            'x-kubernetes-validations': [{ rule: 'self.size() < 5' }],
          },
        },
      },
    },
  },
  'x-kubernetes-validations': [
    { rule: "self.metadata.name.startsWith('ok')", message: 'name must start with ok' },
  ],
};

const compiled = compileValidationRules(scaleSchema);

function errs(obj: unknown, old?: unknown): string[] {
  return evaluateValidationRules(compiled, obj, old).map((e) => e.error());
}

const base = { metadata: { name: 'ok-1' }, spec: { minReplicas: 1, replicas: 2, maxReplicas: 3 } };

describe('evaluateValidationRules', () => {
  it('compiles the schema without errors', () => {
    assert.deepEqual(
      compiled.errors.map((e) => e.error()),
      [],
    );
  });
  const cases: { name: string; obj: unknown; old?: unknown; want: string[] }[] = [
    { name: 'valid object', obj: base, want: [] },
    {
      name: 'message and default message',
      obj: { ...base, spec: { minReplicas: 5, replicas: 4, maxReplicas: 3 } },
      want: [
        'spec: Invalid value: "object": minReplicas must be <= replicas',
        'spec: Invalid value: "object": failed rule: self.replicas <= self.maxReplicas',
      ],
    },
    {
      name: 'messageExpression',
      obj: { ...base, spec: { ...base.spec, mode: 'bad' } },
      want: ['spec: Invalid value: "object": mode bad is not allowed'],
    },
    {
      name: 'reason Forbidden',
      obj: { ...base, spec: { minReplicas: 1, replicas: 200, maxReplicas: 300 } },
      want: ['spec: Forbidden: too many'],
    },
    {
      name: 'root rule on metadata.name prints <nil> path',
      obj: { ...base, metadata: { name: 'bad' } },
      want: ['<nil>: Invalid value: "object": name must start with ok'],
    },
    {
      name: 'runtime error: missing field',
      obj: { ...base, spec: { replicas: 2, maxReplicas: 3 } },
      want: [
        'spec: Invalid value: "object": no such key: minReplicas evaluating rule: minReplicas must be <= replicas',
      ],
    },
    {
      name: 'transition rule skipped on create',
      obj: { ...base, spec: { ...base.spec, name: 'a' } },
      want: [],
    },
    {
      name: 'transition rule: immutability',
      obj: { ...base, spec: { ...base.spec, name: 'a' } },
      old: { ...base, spec: { ...base.spec, name: 'b' } },
      want: ['spec.name: Invalid value: "string": Value is immutable'],
    },
    {
      name: 'number schema gives doubles',
      obj: { ...base, spec: { ...base.spec, ratio: 2 } },
      want: ['spec.ratio: Invalid value: "number": failed rule: self <= 1.0'],
    },
    {
      name: 'int-or-string quantity',
      obj: { ...base, spec: { ...base.spec, memory: '2Gi' } },
      want: ['spec.memory: Invalid value: "": memory too large'],
    },
    {
      name: 'map list correlates old items by key',
      obj: {
        ...base,
        spec: {
          ...base.spec,
          ports: [
            { name: 'b', port: 2 },
            { name: 'a', port: 9 },
            { name: 'c', port: 3 },
          ],
        },
      },
      old: {
        ...base,
        spec: {
          ...base.spec,
          ports: [
            { name: 'a', port: 1 },
            { name: 'b', port: 2 },
          ],
        },
      },
      want: ['spec.ports[1]: Invalid value: "object": port is immutable'],
    },
    {
      name: 'additionalProperties map values',
      obj: { ...base, spec: { ...base.spec, labels: { a: 'abc', b: 'toolongvalue' } } },
      want: ['spec.labels[b]: Invalid value: "string": failed rule: self.size() < 5'],
    },
    {
      name: 'ratcheting: unchanged invalid value is allowed on update',
      obj: { ...base, spec: { ...base.spec, ratio: 2 } },
      old: { ...base, spec: { ...base.spec, ratio: 2 } },
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(errs(c.obj, c.old), c.want);
    });
  }

  it('optionalOldSelf evaluates transition rules on create', () => {
    const s = compileValidationRules({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { v: { type: 'integer' } },
          'x-kubernetes-validations': [
            {
              rule: 'oldSelf.hasValue() ? self.v >= oldSelf.value().v : self.v == 0',
              optionalOldSelf: true,
              message: 'bad v',
            },
          ],
        },
      },
    });
    assert.deepEqual(s.errors, []);
    assert.deepEqual(
      evaluateValidationRules(s, { spec: { v: 1 } }).map((e) => e.error()),
      ['spec: Invalid value: "object": bad v'],
    );
    assert.deepEqual(evaluateValidationRules(s, { spec: { v: 0 } }), []);
    assert.deepEqual(
      evaluateValidationRules(s, { spec: { v: 1 } }, { spec: { v: 2 } }).map((e) => e.error()),
      ['spec: Invalid value: "object": bad v'],
    );
  });

  it('cost budget', () => {
    const s = compileValidationRules({
      type: 'object',
      properties: {
        l: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [
            { rule: 'self.all(x, self.all(y, self.all(z, x + y + z >= 0)))' },
          ],
        },
      },
    });
    const l = Array.from({ length: 200 }, (_, i) => i);
    assert.deepEqual(
      evaluateValidationRules(s, { l }).map((e) => e.error()),
      [
        'l: Invalid value: "array": \'operation cancelled: actual cost limit exceeded\': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.all(y, self.all(z, x + y + z >= 0)))',
      ],
    );
  });
});

describe('compileValidationRules errors', () => {
  it('reports compilation failures with upstream path and value', () => {
    const r = compileValidationRules({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: { a: { type: 'integer' } },
          'x-kubernetes-validations': [
            { rule: 'self.b == 1' },
            { rule: 'self.a ==' },
            { rule: 'true', messageExpression: '42' },
          ],
        },
      },
    });
    assert.deepEqual(
      r.errors.map((e) => e.error()),
      [
        'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.b == 1", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field \'b\'\n | self.b == 1\n | ....^',
        "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Invalid value: apiextensions.ValidationRule{Rule:\"self.a ==\", Message:\"\", MessageExpression:\"\", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:10: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | self.a ==\n | .........^",
        'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[2].messageExpression: Invalid value: apiextensions.ValidationRule{Rule:"true", Message:"", MessageExpression:"42", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: messageExpression must evaluate to a string',
      ],
    );
  });
  it('honours basePath and rejects non-bool rules and unknown reasons', () => {
    const r = compileValidationRules(
      {
        type: 'object',
        properties: {
          x: {
            type: 'integer',
            'x-kubernetes-validations': [{ rule: 'self + 1', reason: 'Nope' }],
          },
        },
      },
      { basePath: FieldPath.of('spec', 'versions').index(0).child('schema', 'openAPIV3Schema') },
    );
    assert.deepEqual(
      r.errors.map((e) => e.error()),
      [
        'spec.versions[0].schema.openAPIV3Schema.properties[x].x-kubernetes-validations[0].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"',
        'spec.versions[0].schema.openAPIV3Schema.properties[x].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self + 1", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(0xc000000000), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: cel expression must evaluate to a bool',
      ],
    );
  });
});
