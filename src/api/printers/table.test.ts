import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TABLE_COLUMNS, formatRFC3339, hasPrinter, tableFor } from './table.ts';

const NOW = new Date('2024-06-15T12:00:00Z');

const names = (apiVersion: string, kind: string, wide = true) =>
  tableFor([], { apiVersion, kind, now: NOW, wide }).columnDefinitions.map((c) => [
    c.name,
    c.type,
    c.priority,
  ]);

test('column definitions match upstream AddHandlers (name, type, priority)', () => {
  const cases: { apiVersion: string; kind: string; want: [string, string, number][] }[] = [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      want: [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Status', 'string', 0],
        ['Restarts', 'string', 0],
        ['Age', 'string', 0],
        ['IP', 'string', 1],
        ['Node', 'string', 1],
        ['Nominated Node', 'string', 1],
        ['Readiness Gates', 'string', 1],
      ],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      want: [
        ['Name', 'string', 0],
        ['Ready', 'string', 0],
        ['Up-to-date', 'string', 0],
        ['Available', 'string', 0],
        ['Age', 'string', 0],
        ['Containers', 'string', 1],
        ['Images', 'string', 1],
        ['Selector', 'string', 1],
      ],
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      want: [
        ['Name', 'string', 0],
        ['Type', 'string', 0],
        ['Cluster-IP', 'string', 0],
        ['External-IP', 'string', 0],
        ['Port(s)', 'string', 0],
        ['Age', 'string', 0],
        ['Selector', 'string', 1],
      ],
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      want: [
        ['Name', 'string', 0],
        ['Status', 'string', 0],
        ['Completions', 'string', 0],
        ['Duration', 'string', 0],
        ['Age', 'string', 0],
        ['Containers', 'string', 1],
        ['Images', 'string', 1],
        ['Selector', 'string', 1],
      ],
    },
    {
      apiVersion: 'v1',
      kind: 'Event',
      want: [
        ['Last Seen', 'string', 0],
        ['Type', 'string', 0],
        ['Reason', 'string', 0],
        ['Object', 'string', 0],
        ['Subobject', 'string', 1],
        ['Source', 'string', 1],
        ['Message', 'string', 0],
        ['First Seen', 'string', 1],
        ['Count', 'string', 1],
        ['Name', 'string', 1],
      ],
    },
    {
      apiVersion: 'v1',
      kind: 'Node',
      want: [
        ['Name', 'string', 0],
        ['Status', 'string', 0],
        ['Roles', 'string', 0],
        ['Age', 'string', 0],
        ['Version', 'string', 0],
        ['Internal-IP', 'string', 1],
        ['External-IP', 'string', 1],
        ['OS-Image', 'string', 1],
        ['Kernel-Version', 'string', 1],
        ['Container-Runtime', 'string', 1],
      ],
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      want: [
        ['Name', 'string', 0],
        ['Schedule', 'string', 0],
        ['Timezone', 'string', 0],
        ['Suspend', 'boolean', 0],
        ['Active', 'integer', 0],
        ['Last Schedule', 'string', 0],
        ['Age', 'string', 0],
        ['Containers', 'string', 1],
        ['Images', 'string', 1],
        ['Selector', 'string', 1],
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(names(c.apiVersion, c.kind), c.want, c.kind);
});

test('descriptions and formats follow upstream', () => {
  const cols = tableFor([], { apiVersion: 'v1', kind: 'Pod', now: NOW }).columnDefinitions;
  const [nameCol, readyCol, , , ageCol] = cols;
  assert.ok(nameCol && readyCol && ageCol);
  assert.equal(nameCol.format, 'name');
  assert.match(nameCol.description, /^Name must be unique within a namespace\./);
  assert.equal(
    readyCol.description,
    'The aggregate readiness state of this pod for accepting traffic.',
  );
  assert.match(ageCol.description, /^CreationTimestamp is a timestamp/);
  assert.equal(readyCol.format, '');
  // the event Name column is a wide column that keeps the name format
  const ev = tableFor([], { apiVersion: 'v1', kind: 'Event', now: NOW }).columnDefinitions;
  assert.deepEqual(ev.at(-1), { ...ev.at(-1), name: 'Name', format: 'name', priority: 1 });
});

test('narrow tables drop priority columns; noHeaders drops all', () => {
  assert.deepEqual(
    names('v1', 'Pod', false).map((c) => c[0]),
    ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
  );
  const pod = { metadata: { name: 'p' }, spec: { containers: [] }, status: { phase: 'Pending' } };
  const t = tableFor([pod], { apiVersion: 'v1', kind: 'Pod', now: NOW, noHeaders: true });
  assert.deepEqual(t.columnDefinitions, []);
  // the server prints wide by default
  assert.deepEqual(t.rows[0]?.cells, [
    'p',
    '0/0',
    'Pending',
    '0',
    '<unknown>',
    '<none>',
    '<none>',
    '<none>',
    '<none>',
  ]);
});

test('default table for kinds without a printer (rest/table.go)', () => {
  for (const [apiVersion, kind] of [
    ['rbac.authorization.k8s.io/v1', 'Role'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ['v1', 'LimitRange'],
    ['apiextensions.k8s.io/v1', 'CustomResourceDefinition'],
    ['example.com/v1', 'Widget'],
  ] as const) {
    assert.equal(hasPrinter(apiVersion, kind), false, kind);
    const t = tableFor(
      [
        { metadata: { name: 'a', creationTimestamp: '2024-06-01T10:20:30Z' } },
        { metadata: { name: 'b', creationTimestamp: '2024-06-01T10:20:30.123456+02:00' } },
        { metadata: { name: 'c' } },
      ],
      { apiVersion, kind, now: NOW },
    );
    assert.deepEqual(t.columnDefinitions, [...DEFAULT_TABLE_COLUMNS]);
    assert.deepEqual(
      t.rows.map((r) => r.cells),
      [
        ['a', '2024-06-01T10:20:30Z'],
        ['b', '2024-06-01T08:20:30Z'],
        ['c', '0001-01-01T00:00:00Z'],
      ],
    );
  }
  assert.deepEqual(
    DEFAULT_TABLE_COLUMNS.map((c) => [c.name, c.type, c.format, c.priority]),
    [
      ['Name', 'string', 'name', 0],
      ['Created At', 'date', '', 0],
    ],
  );
  assert.equal(formatRFC3339(undefined), '0001-01-01T00:00:00Z');
  assert.equal(
    tableFor([], { apiVersion: 'v1', kind: 'LimitRange', now: NOW, noHeaders: true })
      .columnDefinitions.length,
    0,
  );
});

test('printer lookup by group, version and kind', () => {
  assert.equal(hasPrinter('v1', 'Pod'), true);
  assert.equal(hasPrinter('v1', 'PodList'), true);
  assert.equal(hasPrinter('apps/v1', 'Pod'), false);
  assert.equal(hasPrinter('autoscaling/v1', 'HorizontalPodAutoscaler'), true);
  assert.equal(hasPrinter('autoscaling/v2', 'HorizontalPodAutoscaler'), true);
  assert.equal(hasPrinter('events.k8s.io/v1', 'Event'), true);
  const rows = tableFor(
    [
      { metadata: { name: 'a' }, type: 'Opaque' },
      { metadata: { name: 'b' }, type: 'Opaque', data: { x: 'eA==' } },
    ],
    { apiVersion: 'v1', kind: 'SecretList', now: NOW },
  ).rows;
  assert.deepEqual(
    rows.map((r) => r.cells),
    [
      ['a', 'Opaque', 0, '<unknown>'],
      ['b', 'Opaque', 1, '<unknown>'],
    ],
  );
});
