import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Pod, Secret } from 'kubernetes-types/core/v1.js';
import {
  MultiError,
  collectDownwardAPIData,
  collectProjectedData,
  configMapVolumePayload,
  fsUserFrom,
  makeConfigMapPayload,
  makeSecretPayload,
  mountFailedMessage,
  secretVolumePayload,
} from './payload.ts';
import type { Payload, PayloadSources } from './payload.ts';
import { extractResourceValueByContainerName } from './resource.ts';

const text = (p: Payload): Record<string, [string, string]> =>
  Object.fromEntries(
    [...p].map(([k, v]) => [k, [Buffer.from(v.data).toString('utf8'), v.mode.toString(8)]]),
  );
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const cm: ConfigMap = {
  metadata: { name: 'cfg', namespace: 'ns' },
  data: { foo: 'foo', bar: 'bar' },
  binaryData: { bin: b64('\x00\x01') },
};
const secret: Secret = {
  metadata: { name: 's', namespace: 'ns' },
  data: { user: b64('admin'), pw: b64('hunter2') },
};
const pod: Pod = {
  metadata: {
    name: 'web',
    namespace: 'ns',
    uid: 'u-1',
    labels: { b: '2', a: '1' },
    annotations: { x: 'y' },
  },
  spec: {
    serviceAccountName: 'sa',
    containers: [
      { name: 'c', resources: { limits: { cpu: '1500m' }, requests: { memory: '64Mi' } } },
    ],
  },
};
const sources = (over: Partial<PayloadSources> = {}): PayloadSources => ({
  configMap: (n) => (n === 'cfg' ? cm : undefined),
  secret: (n) => (n === 's' ? secret : undefined),
  serviceAccountToken: (p) => `token-for-${p.audience ?? ''}`,
  nodeAllocatable: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' },
  ...over,
});

describe('configMap payload (configmap TestMakePayload)', () => {
  it('no overrides: every data and binaryData key with the default mode', () => {
    const p = makeConfigMapPayload(undefined, cm, 0o644, false);
    assert.deepEqual(text(p), {
      foo: ['foo', '644'],
      bar: ['bar', '644'],
      bin: ['\x00\x01', '644'],
    });
  });
  it('basic 1: items with paths and modes', () => {
    const p = makeConfigMapPayload(
      [
        { key: 'foo', path: 'path/to/foo.txt' },
        { key: 'bar', path: 'bar.txt', mode: 0o400 },
      ],
      cm,
      0o644,
      false,
    );
    assert.deepEqual(text(p), { 'path/to/foo.txt': ['foo', '644'], 'bar.txt': ['bar', '400'] });
  });
  it('non existent key', () => {
    assert.throws(() => makeConfigMapPayload([{ key: 'zab', path: 'x' }], cm, 0o644, false), {
      message: 'configmap references non-existent config key: zab',
    });
  });
  it('optional non existent key is skipped', () => {
    assert.equal(makeConfigMapPayload([{ key: 'zab', path: 'x' }], cm, 0o644, true).size, 0);
  });
  it('missing ConfigMap: upstream message unless optional', () => {
    assert.throws(() => configMapVolumePayload({ name: 'nope' }, pod, sources()), {
      message: 'configmap "nope" not found',
    });
    assert.equal(configMapVolumePayload({ name: 'nope', optional: true }, pod, sources()).size, 0);
    assert.equal(
      mountFailedMessage('config', new Error('configmap "nope" not found')),
      'MountVolume.SetUp failed for volume "config" : configmap "nope" not found',
    );
  });
});

describe('secret payload (secret TestMakePayload)', () => {
  it('decodes data with the default mode', () => {
    assert.deepEqual(text(makeSecretPayload(undefined, secret, 0o600, false)), {
      user: ['admin', '600'],
      pw: ['hunter2', '600'],
    });
  });
  it('non existent key', () => {
    assert.throws(() => makeSecretPayload([{ key: 'zab', path: 'x' }], secret, 0o644, false), {
      message: 'references non-existent secret key: zab',
    });
  });
  it('missing secret', () => {
    assert.throws(() => secretVolumePayload({ secretName: 'nope' }, pod, sources()), {
      message: 'secret "nope" not found',
    });
    assert.equal(
      secretVolumePayload({ secretName: 'nope', optional: true }, pod, sources()).size,
      0,
    );
  });
});

describe('downwardAPI payload (downwardapi CollectData)', () => {
  it('labels, annotations, name with cleaned paths and modes', () => {
    const p = collectDownwardAPIData(
      [
        { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
        {
          path: './meta//annotations',
          fieldRef: { fieldPath: 'metadata.annotations' },
          mode: 0o400,
        },
        { path: 'podname', fieldRef: { fieldPath: 'metadata.name' } },
        {
          path: 'cpu_limit',
          resourceFieldRef: { containerName: 'c', resource: 'limits.cpu', divisor: '1m' },
        },
        {
          path: 'mem_limit',
          resourceFieldRef: { containerName: 'c', resource: 'limits.memory', divisor: '1Mi' },
        },
      ],
      pod,
      sources().nodeAllocatable,
      0o644,
    );
    assert.deepEqual(text(p), {
      labels: ['a="1"\nb="2"', '644'],
      'meta/annotations': ['x="y"', '400'],
      podname: ['web', '644'],
      cpu_limit: ['1500', '644'],
      // No memory limit: node allocatable is the default.
      mem_limit: ['8192', '644'],
    });
  });
  it('aggregates errors', () => {
    assert.throws(
      () =>
        collectDownwardAPIData(
          [
            { path: 'a', fieldRef: { fieldPath: 'status.podIP' } },
            { path: 'b', resourceFieldRef: { containerName: 'missing', resource: 'limits.cpu' } },
          ],
          pod,
          {},
          0o644,
        ),
      (e: Error) =>
        e instanceof MultiError &&
        e.message === '[unsupported fieldPath: status.podIP, container missing not found]',
    );
  });
});

describe('resourceFieldRef values (upstream TestExtractResourceValue)', () => {
  const withRes = (res: {
    limits?: Record<string, string>;
    requests?: Record<string, string>;
  }): Pod => ({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'foo', resources: res }] },
  });
  const cases: Array<[string, string | undefined, Pod, string]> = [
    ['limits.cpu', undefined, withRes({ limits: { cpu: '9' } }), '9'],
    ['requests.cpu', undefined, withRes({}), '0'],
    ['requests.cpu', undefined, withRes({ requests: { cpu: '8' } }), '8'],
    ['requests.cpu', undefined, withRes({ requests: { cpu: '100m' } }), '1'],
    ['requests.cpu', '100m', withRes({ requests: { cpu: '1200m' } }), '12'],
    ['requests.memory', undefined, withRes({ requests: { memory: '100Mi' } }), '104857600'],
    [
      'requests.memory',
      '1Mi',
      withRes({ requests: { memory: '100Mi' }, limits: { memory: '1Mi' } }),
      '100',
    ],
    [
      'limits.memory',
      undefined,
      withRes({ requests: { memory: '10Mi' }, limits: { memory: '100Mi' } }),
      '104857600',
    ],
    [
      'limits.hugepages-1Gi',
      undefined,
      withRes({ limits: { 'hugepages-1Gi': '2Gi' } }),
      '2147483648',
    ],
    [
      'requests.hugepages-1Gi',
      undefined,
      withRes({ requests: { 'hugepages-1Gi': '2Gi' } }),
      '2147483648',
    ],
    [
      'limits.ephemeral-storage',
      '1Mi',
      withRes({ limits: { 'ephemeral-storage': '10Gi' } }),
      '10240',
    ],
    ['limits.cpu', undefined, withRes({}), '2'],
  ];
  for (const [resource, divisor, p, want] of cases) {
    it(`${resource}${divisor !== undefined ? ` / ${divisor}` : ''} = ${want}`, () => {
      assert.equal(
        extractResourceValueByContainerName(
          { resource, ...(divisor !== undefined ? { divisor } : {}) },
          p,
          'foo',
          { cpu: '2', memory: '4Gi' },
        ),
        want,
      );
    });
  }
  it('unsupported resource', () => {
    assert.throws(
      () => extractResourceValueByContainerName({ resource: 'limits.gpu' }, withRes({}), 'foo', {}),
      {
        message: 'unsupported container resource : limits.gpu',
      },
    );
  });
});

describe('projected payload (projected collectData)', () => {
  it('merges sources in order; a later file replaces an earlier one at the same path', () => {
    const p = collectProjectedData(
      {
        defaultMode: 0o640,
        sources: [
          {
            configMap: {
              name: 'cfg',
              items: [
                { key: 'foo', path: 'shared' },
                { key: 'bar', path: 'bar' },
              ],
            },
          },
          { secret: { name: 's', items: [{ key: 'user', path: 'shared' }] } },
          { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          { serviceAccountToken: { path: 'token', audience: 'api', expirationSeconds: 3600 } },
        ],
      },
      pod,
      sources(),
    );
    assert.deepEqual(text(p), {
      shared: ['admin', '640'],
      bar: ['bar', '640'],
      name: ['web', '640'],
      token: ['token-for-api', '640'],
    });
  });
  it('token is 0600 and owned by fsUser when fsUser or fsGroup is set', () => {
    const p = collectProjectedData(
      { sources: [{ serviceAccountToken: { path: 'token' } }] },
      pod,
      sources(),
      { fsGroup: 2000, fsUser: 1000 },
    );
    assert.equal(p.get('token')?.mode, 0o600);
    assert.equal(p.get('token')?.fsUser, 1000);
  });
  it('reports every failing source, keeps going', () => {
    assert.throws(
      () =>
        collectProjectedData(
          {
            sources: [
              { configMap: { name: 'nope' } },
              { secret: { name: 'nope', optional: true } },
              { serviceAccountToken: { path: 't' } },
            ],
          },
          pod,
          sources({
            serviceAccountToken: () => {
              throw new Error('failed to fetch token: boom');
            },
          }),
        ),
      { message: '[configmap "nope" not found, failed to fetch token: boom]' },
    );
  });
});

describe('fsUserFrom', () => {
  it('is the common runAsUser, else undefined', () => {
    const p = (pu: number | undefined, cs: Array<number | undefined>): Pod => ({
      spec: {
        ...(pu !== undefined ? { securityContext: { runAsUser: pu } } : {}),
        containers: cs.map((u, i) => ({
          name: `c${String(i)}`,
          ...(u !== undefined ? { securityContext: { runAsUser: u } } : {}),
        })),
      },
    });
    assert.equal(fsUserFrom(p(1000, [undefined, 1000])), 1000);
    assert.equal(fsUserFrom(p(undefined, [1000, 1001])), undefined);
    assert.equal(fsUserFrom(p(undefined, [1000, undefined])), undefined);
  });
});
