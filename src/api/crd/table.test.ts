import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  crTableCells,
  crTableColumns,
  crdOpenApiSchemas,
  findJsonPathResults,
  parseJsonPath,
} from './index.ts';
import type { CustomResourceDefinition } from './index.ts';

describe('JSONPath', () => {
  const doc = {
    metadata: { labels: { app: 'web' } },
    spec: { replicas: 3, list: [{ n: 1 }, { n: 2 }, { n: 3 }] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Synced', status: 'False' },
      ],
    },
  };
  const cases: [string, unknown[]][] = [
    ['.spec.replicas', [3]],
    ['.metadata.labels.app', ['web']],
    ["['metadata']['labels']['app']", ['web']],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    ['.status.conditions[0].type', ['Ready']],
    ['.status.conditions[-1].type', ['Synced']],
    ['.spec.list[*].n', [1, 2, 3]],
    ['.spec.list[0:2].n', [1, 2]],
    ['.spec.list[?(@.n > 1)].n', [2, 3]],
    ['..n', [1, 2, 3]],
    ['.spec.missing', []],
    ['{.spec.replicas}', [3]],
  ];
  for (const [path, want] of cases) {
    it(path, () => {
      assert.deepEqual(findJsonPathResults(parseJsonPath(path), doc), want);
    });
  }
  it('rejects garbage', () => {
    assert.throws(() => parseJsonPath('.a[?(@.b'));
  });
});

describe('custom resource tables (upstream tableconvertor)', () => {
  const now = new Date('2024-01-01T00:10:00Z');
  const obj = {
    metadata: { name: 'a', creationTimestamp: '2024-01-01T00:05:00Z' },
    spec: { replicas: 2, ratio: 1.5, on: true, image: 'nginx', map: { b: 1, a: 'x' } },
  };
  it('default Age column when none are declared', () => {
    const cols = crTableColumns({});
    assert.deepEqual(
      cols.map((c) => [c.name, c.type, c.format, c.priority]),
      [
        ['Name', 'string', 'name', 0],
        ['Age', 'date', '', 0],
      ],
    );
    assert.deepEqual(crTableCells({}, obj, now), ['a', '5m']);
  });
  it('string columns print lists as JSON (upstream Test_convertor_ConvertToTable)', () => {
    const version = {
      additionalPrinterColumns: [
        { name: 'valueOnly', type: 'string', jsonPath: '.spec.servers[0].hosts[0]' },
        { name: 'single1', type: 'string', jsonPath: '.spec.servers[0].hosts' },
        { name: 'single2', type: 'string', jsonPath: '.spec.servers[1].hosts' },
        { name: 'multi', type: 'string', jsonPath: '.spec.servers[*].hosts' },
      ],
    };
    const o = {
      metadata: { name: 'blah' },
      spec: { servers: [{ hosts: ['foo'] }, { hosts: ['bar', 'baz'] }] },
    };
    assert.deepEqual(crTableCells(version, o, now), [
      'blah',
      'foo',
      '["foo"]',
      '["bar","baz"]',
      '["foo"]',
    ]);
  });
  it('cellForJSONValue cases (upstream Test_cellForJSONValue)', () => {
    const col = (type: string) => ({
      additionalPrinterColumns: [{ name: 'c', type, jsonPath: '.v' }],
    });
    const cases: [string, unknown, unknown][] = [
      ['integer', 42, 42],
      ['integer', 3.14, 3],
      ['integer', true, null],
      ['integer', 'foo', null],
      ['number', 42, 42],
      ['number', 3.14, 3.14],
      ['number', true, null],
      ['boolean', true, true],
      ['boolean', 42, null],
      ['date', 42, null],
      ['date', '2023-12-31T11:40:00Z', '12h'],
      ['date', '2024-01-01T12:40:00Z', '<invalid>'],
      ['date', '', '<unknown>'],
      ['unknown', 'foo', null],
    ];
    const at = new Date('2024-01-01T00:10:00Z');
    for (const [type, v, want] of cases) {
      assert.deepEqual(crTableCells(col(type), { v }, at)[1], want, `${type} ${String(v)}`);
    }
  });
  it('typed cells and missing values', () => {
    const version = {
      additionalPrinterColumns: [
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
        { name: 'On', type: 'boolean', jsonPath: '.spec.on' },
        { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1 },
        { name: 'Map', type: 'string', jsonPath: '.spec.map' },
        { name: 'Missing', type: 'string', jsonPath: '.spec.nope' },
        { name: 'Wrong', type: 'integer', jsonPath: '.spec.image' },
        { name: 'Created', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
    };
    const cols = crTableColumns(version);
    assert.equal(
      cols[1]?.description,
      'Custom resource definition column (in JSONPath format): .spec.replicas',
    );
    assert.equal(cols[4]?.priority, 1);
    assert.deepEqual(crTableCells(version, obj, now), [
      'a',
      2,
      1.5,
      true,
      'nginx',
      '{"a":"x","b":1}',
      null,
      null,
      '5m',
    ]);
  });
});

describe('crdOpenApiSchemas', () => {
  const crd: CustomResourceDefinition = {
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', kind: 'CronTab', listKind: 'CronTabList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A cron tab',
              properties: {
                spec: { type: 'object', properties: { cronSpec: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  };
  it('names schemas as upstream and adds type meta', () => {
    const s = crdOpenApiSchemas(crd, 'v1');
    assert.deepEqual(Object.keys(s), [
      'com.example.stable.v1.CronTab',
      'com.example.stable.v1.CronTabList',
    ]);
    const k = s['com.example.stable.v1.CronTab'] as Record<string, unknown>;
    const props = k.properties as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(props).sort(), ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.deepEqual(props.metadata?.allOf, [
      { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    ]);
    assert.deepEqual(k['x-kubernetes-group-version-kind'], [
      { group: 'stable.example.com', kind: 'CronTab', version: 'v1' },
    ]);
    const l = s['com.example.stable.v1.CronTabList'] as Record<string, unknown>;
    assert.deepEqual(l.required, ['items']);
    assert.equal(l.description, 'CronTabList is a list of CronTab');
  });
});
