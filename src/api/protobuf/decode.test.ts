import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { decodeMessage, MAX_DEPTH } from './decode.ts';
import {
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
  isKubernetesProtobuf,
} from './envelope.ts';
import { ProtobufDecodeError } from './errors.ts';
import { Schema } from './schema.ts';

// ---- A hand encoder, deliberately independent of our descriptors: every field number below is
// ---- typed from upstream generated.proto, so a wrong number in a table cannot pass silently.
type Bytes = number[];
function varint(v: number | bigint): Bytes {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: Bytes = [];
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}
const vi = (no: number, v: number | bigint): Bytes => [...varint((no << 3) | 0), ...varint(v)];
const ld = (no: number, ...parts: Bytes[]): Bytes => {
  const body = parts.flat();
  return [...varint((no << 3) | 2), ...varint(body.length), ...body];
};
const str = (no: number, s: string): Bytes => ld(no, [...new TextEncoder().encode(s)]);
const entry = (no: number, key: string, value: Bytes): Bytes => ld(no, str(1, key), value);
const envelope = (apiVersion: string, kind: string, raw: Bytes): Uint8Array =>
  Uint8Array.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...ld(1, str(1, apiVersion), str(2, kind)),
    ...ld(2, raw),
    ...str(3, ''),
    ...str(4, ''),
  ]);
/** ObjectMeta as gogo writes it: every non-pointer field, zero or not. */
const objectMeta = (name: string, extra: Bytes = []): Bytes =>
  ld(
    1,
    str(1, name),
    str(2, ''),
    str(3, ''),
    str(4, ''),
    str(5, ''),
    str(6, ''),
    vi(7, 0),
    ld(8),
    extra,
  );
const intOrString = (no: number, v: number | string): Bytes =>
  typeof v === 'number'
    ? ld(no, vi(1, 0), vi(2, v), str(3, ''))
    : ld(no, vi(1, 1), vi(2, 0), str(3, v));

describe('hand-assembled bodies (field numbers from upstream generated.proto)', () => {
  const cases: { name: string; body: Uint8Array; want: Record<string, unknown> }[] = [
    {
      name: 'Namespace',
      body: envelope('v1', 'Namespace', [...objectMeta('x'), ...ld(2), ...ld(3, str(1, ''))]),
      want: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'x', creationTimestamp: null },
        spec: {},
        status: {},
      },
    },
    {
      name: 'Secret: map<string, bytes> becomes base64, type and immutable',
      body: envelope('v1', 'Secret', [
        ...objectMeta('s'),
        ...entry(2, 'a', [...ld(2, [0x62])]),
        ...entry(2, 'bin', [...ld(2, [0x00, 0xff, 0x10])]),
        ...entry(2, 'empty', []),
        ...str(3, 'Opaque'),
        ...vi(5, 0),
      ]),
      want: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', creationTimestamp: null },
        data: { a: 'Yg==', bin: 'AP8Q', empty: '' },
        type: 'Opaque',
        immutable: false,
      },
    },
    {
      name: 'ConfigMap: data and binaryData maps',
      body: envelope('v1', 'ConfigMap', [
        ...objectMeta('cm'),
        ...entry(2, 'k', str(2, 'v')),
        ...entry(2, 'e', str(2, '')),
        ...entry(3, 'b', ld(2, [1, 2, 3])),
      ]),
      want: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', creationTimestamp: null },
        data: { k: 'v', e: '' },
        binaryData: { b: 'AQID' },
      },
    },
    {
      name: 'Service: ports with IntOrString targetPort, selector map',
      body: envelope('v1', 'Service', [
        ...objectMeta('svc', entry(11, 'app', str(2, 'svc'))),
        ...ld(
          2,
          ld(1, str(1, '80-8080'), str(2, 'TCP'), vi(3, 80), intOrString(4, 8080), vi(5, 0)),
          ld(1, str(1, 'named'), str(2, 'UDP'), vi(3, 53), intOrString(4, 'dns'), vi(5, 0)),
          entry(2, 'app', str(2, 'svc')),
          str(3, ''),
          str(4, 'ClusterIP'),
          vi(13, 0),
        ),
        ...ld(3, ld(1)),
      ]),
      want: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'svc', creationTimestamp: null, labels: { app: 'svc' } },
        spec: {
          ports: [
            { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
            { name: 'named', protocol: 'UDP', port: 53, targetPort: 'dns' },
          ],
          selector: { app: 'svc' },
          type: 'ClusterIP',
        },
        status: { loadBalancer: {} },
      },
    },
    {
      name: 'Deployment: pointer replicas 0 kept, zero non-pointers dropped',
      body: envelope('apps/v1', 'Deployment', [
        ...objectMeta('web'),
        ...ld(
          2,
          vi(1, 0),
          ld(2, entry(1, 'app', str(2, 'web'))),
          ld(
            3,
            ld(1, str(1, ''), ld(8), entry(11, 'app', str(2, 'web'))),
            ld(2, ld(2, str(1, 'nginx'), str(2, 'nginx'), ld(8), vi(16, 0), vi(18, 0)), vi(11, 0)),
          ),
          ld(4),
          vi(5, 0),
          vi(7, 0),
        ),
        ...ld(3, vi(1, 0), vi(2, 0)),
      ]),
      want: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', creationTimestamp: null },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { creationTimestamp: null, labels: { app: 'web' } },
            spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }] },
          },
          strategy: {},
        },
        status: {},
      },
    },
    {
      name: 'Pod: inline LocalObjectReference, inline VolumeSource and ProbeHandler, quantities',
      body: envelope('v1', 'Pod', [
        ...objectMeta('p'),
        ...ld(
          2,
          ld(1, str(1, 'cfg'), ld(2, ld(19, ld(1, str(1, 'cm')), vi(3, 420)))),
          ld(
            2,
            str(1, 'app'),
            str(2, 'busybox'),
            ld(7, str(1, 'PASS'), ld(3, ld(4, ld(1, str(1, 'sec')), str(2, 'pw'), vi(3, 1)))),
            ld(
              8,
              entry(1, 'cpu', ld(2, str(1, '500m'))),
              entry(2, 'memory', ld(2, str(1, '64Mi'))),
            ),
            ld(10, ld(1, ld(2, str(1, '/healthz'), intOrString(2, 'http'))), vi(4, 5)),
          ),
          vi(4, 30),
          ld(
            22,
            str(1, 'node.kubernetes.io/not-ready'),
            str(2, 'Exists'),
            str(4, 'NoExecute'),
            vi(5, 300),
          ),
        ),
      ]),
      want: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'p', creationTimestamp: null },
        spec: {
          volumes: [{ name: 'cfg', configMap: { name: 'cm', defaultMode: 420 } }],
          containers: [
            {
              name: 'app',
              image: 'busybox',
              env: [
                {
                  name: 'PASS',
                  valueFrom: { secretKeyRef: { name: 'sec', key: 'pw', optional: true } },
                },
              ],
              resources: { limits: { cpu: '500m' }, requests: { memory: '64Mi' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
            },
          ],
          terminationGracePeriodSeconds: 30,
          tolerations: [
            {
              key: 'node.kubernetes.io/not-ready',
              operator: 'Exists',
              effect: 'NoExecute',
              tolerationSeconds: 300,
            },
          ],
        },
      },
    },
    {
      name: 'TokenRequest: audiences, int64 expirationSeconds, empty status Time',
      body: envelope('authentication.k8s.io/v1', 'TokenRequest', [
        ...objectMeta(''),
        ...ld(2, str(1, 'aud1'), str(1, 'aud2'), vi(4, 3600)),
        ...ld(3, str(1, ''), ld(2)),
      ]),
      want: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        metadata: { creationTimestamp: null },
        spec: { audiences: ['aud1', 'aud2'], expirationSeconds: 3600 },
        status: { expirationTimestamp: null },
      },
    },
    {
      name: 'SelfSubjectAccessReview: resourceAttributes',
      body: envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', [
        ...objectMeta(''),
        ...ld(
          2,
          ld(
            1,
            str(1, 'default'),
            str(2, 'get'),
            str(3, ''),
            str(4, ''),
            str(5, 'pods'),
            str(6, ''),
            str(7, ''),
          ),
        ),
        ...ld(3, vi(1, 0), str(2, ''), str(3, ''), vi(4, 0)),
      ]),
      want: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: { creationTimestamp: null },
        spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
        status: {},
      },
    },
    {
      name: 'Lease: MicroTime renewTime, pointer int32 kept at zero',
      body: envelope('coordination.k8s.io/v1', 'Lease', [
        ...objectMeta('l'),
        ...ld(2, str(1, 'me'), vi(2, 15), ld(4, vi(1, 1704164645), vi(2, 123456789)), vi(5, 0)),
      ]),
      want: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'l', creationTimestamp: null },
        spec: {
          holderIdentity: 'me',
          leaseDurationSeconds: 15,
          renewTime: '2024-01-02T03:04:05.123456Z',
          leaseTransitions: 0,
        },
      },
    },
    {
      name: 'PriorityClass: int32 value, bool globalDefault',
      body: envelope('scheduling.k8s.io/v1', 'PriorityClass', [
        ...objectMeta('pc'),
        ...vi(2, 1000),
        ...vi(3, 1),
        ...str(4, 'd'),
      ]),
      want: {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'pc', creationTimestamp: null },
        value: 1000,
        globalDefault: true,
        description: 'd',
      },
    },
    {
      name: 'PodDisruptionBudget: minAvailable percentage, and unknown fields are skipped',
      body: envelope('policy/v1', 'PodDisruptionBudget', [
        ...objectMeta('pdb'),
        ...ld(
          2,
          intOrString(1, '50%'),
          ld(2, entry(1, 'app', str(2, 'web'))),
          vi(999, 7),
          str(1000, 'future'),
        ),
        ...[0x75, 1, 2, 3, 4], // field 14, fixed32: unknown, skipped
      ]),
      want: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'pdb', creationTimestamp: null },
        spec: { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } },
      },
    },
    {
      name: 'DeleteOptions under any group version',
      body: envelope('apps/v1', 'DeleteOptions', [
        ...vi(1, 0),
        ...str(4, 'Background'),
        ...str(5, 'All'),
      ]),
      want: {
        apiVersion: 'apps/v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        propagationPolicy: 'Background',
        dryRun: ['All'],
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = decodeKubernetesProtobuf(c.body);
      assert.deepEqual(got.object, c.want);
      assert.equal(got.apiVersion, c.want.apiVersion);
      assert.equal(got.kind, c.want.kind);
    });
  }

  it('merges a repeated singular message and lets the last scalar win', () => {
    const body = envelope('v1', 'Namespace', [
      ...ld(1, str(1, 'a'), entry(11, 'x', str(2, '1'))),
      ...ld(1, str(1, 'b'), entry(11, 'y', str(2, '2'))),
      ...ld(1, str(1, '')),
    ]);
    assert.deepEqual(decodeKubernetesProtobuf(body).object.metadata, {
      labels: { x: '1', y: '2' },
    });
  });

  it('accepts packed and unpacked repeated int64', () => {
    const unpacked = envelope('v1', 'Pod', [...ld(2, ld(14, vi(4, 1), vi(4, 2)))]);
    const packed = envelope('v1', 'Pod', [...ld(2, ld(14, ld(4, varint(1), varint(2))))]);
    const want = { securityContext: { supplementalGroups: [1, 2] } };
    assert.deepEqual(decodeKubernetesProtobuf(unpacked).object.spec, want);
    assert.deepEqual(decodeKubernetesProtobuf(packed).object.spec, want);
  });

  it('keeps a __proto__ map key as an own property', () => {
    const body = envelope('v1', 'ConfigMap', [...entry(2, '__proto__', str(2, 'x'))]);
    const data = decodeKubernetesProtobuf(body).object.data as Record<string, unknown>;
    assert.deepEqual(Object.keys(data), ['__proto__']);
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
  });
});

describe('envelope', () => {
  it('recognises the media type', () => {
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isKubernetesProtobuf('Application/VND.Kubernetes.Protobuf; charset=x'), true);
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf;stream=watch'), true);
    assert.equal(isKubernetesProtobuf('application/json'), false);
    assert.equal(isKubernetesProtobuf(undefined), false);
    assert.equal(isKubernetesProtobuf(''), false);
  });

  it('requires the magic prefix', () => {
    assert.throws(
      () => decodeKubernetesProtobuf(Uint8Array.of(0x6b, 0x38, 0x73)),
      /does not appear to be a protobuf/,
    );
    assert.throws(
      () => decodeKubernetesProtobuf(new TextEncoder().encode('{"kind":"Pod"}')),
      ProtobufDecodeError,
    );
  });

  it('names an unknown kind (the API server answers 415)', () => {
    const err = captureError(() =>
      decodeKubernetesProtobuf(envelope('example.com/v1', 'Widget', [])),
    );
    assert.equal(err.reason, 'unknown-kind');
    assert.match(err.message, /"Widget".*"example\.com\/v1"/);
  });

  it('fills a missing kind or apiVersion from the endpoint defaults, else fails', () => {
    const body = envelope('', '', objectMeta('x'));
    assert.throws(() => decodeKubernetesProtobuf(body), /'Kind' is missing/);
    const got = decodeKubernetesProtobuf(body, { apiVersion: 'v1', kind: 'Namespace' });
    assert.deepEqual(got.object, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x', creationTimestamp: null },
    });
  });

  it('encodes what it decodes', () => {
    const obj = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj', creationTimestamp: null },
      spec: {
        schedule: '*/1 * * * *',
        jobTemplate: {
          metadata: { name: 'cj', creationTimestamp: null },
          spec: {
            template: {
              metadata: { creationTimestamp: null },
              spec: {
                containers: [{ name: 'cj', image: 'busybox', command: ['date'], resources: {} }],
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
      status: {},
    };
    assert.deepEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj)).object, obj);
  });
});

function captureError(fn: () => unknown): ProtobufDecodeError {
  try {
    fn();
  } catch (err) {
    assert.ok(
      err instanceof ProtobufDecodeError,
      `expected ProtobufDecodeError, got ${String(err)}`,
    );
    return err;
  }
  assert.fail('expected an error');
}

describe('hostile input', () => {
  const valid = envelope('apps/v1', 'Deployment', [
    ...objectMeta('web', entry(11, 'app', str(2, 'web'))),
    ...ld(2, vi(1, 2), ld(3, ld(2, ld(2, str(1, 'nginx'), str(2, 'nginx'))))),
  ]);

  it('every truncation either decodes or throws ProtobufDecodeError', () => {
    let errors = 0;
    for (let n = 0; n < valid.length; n++) {
      try {
        decodeKubernetesProtobuf(valid.subarray(0, n));
      } catch (err) {
        assert.ok(err instanceof ProtobufDecodeError, `length ${String(n)}: ${String(err)}`);
        errors++;
      }
    }
    assert.ok(errors > valid.length / 2);
  });

  it('a truncated object body is an error', () => {
    const raw = [...objectMeta('web'), ...ld(2, vi(1, 2))];
    const cut = raw.slice(0, raw.length - 3);
    const body = Uint8Array.from([
      0x6b,
      0x38,
      0x73,
      0x00,
      ...ld(1, str(1, 'apps/v1'), str(2, 'Deployment')),
      ...ld(2, cut),
    ]);
    // The envelope is intact, the object inside it is cut mid-field.
    assert.throws(() => decodeKubernetesProtobuf(body), ProtobufDecodeError);
  });

  const bad: { name: string; raw: Bytes }[] = [
    { name: 'oversized length', raw: [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00] },
    { name: 'length near 2^64', raw: [0x0a, ...varint(-1n)] },
    { name: 'metadata as a varint', raw: vi(1, 5) },
    { name: 'name as a varint', raw: ld(1, vi(1, 5)) },
    { name: 'replicas as length-delimited', raw: ld(2, ld(1, [1])) },
    { name: 'map entry value with the wrong wire type', raw: ld(1, ld(11, str(1, 'k'), vi(2, 1))) },
    { name: 'labels as a fixed64', raw: ld(1, [0x59, 1, 2, 3, 4, 5, 6, 7, 8]) },
    { name: 'stray end group', raw: [0x0c] },
    { name: 'wire type 7', raw: [0x0f] },
    { name: 'field number 0', raw: [0x02, 0x00] },
    {
      name: 'bad quantity in resources',
      raw: ld(2, ld(3, ld(2, ld(2, ld(8, entry(1, 'cpu', ld(2, str(1, 'lots')))))))),
    },
    { name: 'bad IntOrString type', raw: ld(2, ld(4, ld(2, ld(1, intOrString(1, 1), vi(1, 7))))) },
    { name: 'huge int64', raw: ld(1, vi(7, 2n ** 60n)) },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      captureError(() => decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', c.raw)));
    });
  }

  it('bounds recursion depth', () => {
    const schema = new Schema({ t: { Node: { 1: 'child:Node', 2: 'name:string' } } });
    let nested: Bytes = str(2, 'leaf');
    for (let i = 0; i < MAX_DEPTH - 1; i++) nested = ld(1, nested);
    const ok = decodeMessage(Uint8Array.from(nested), schema.message('t.Node'));
    assert.ok(ok.child !== undefined);
    nested = ld(1, nested);
    assert.throws(
      () => decodeMessage(Uint8Array.from(nested), schema.message('t.Node')),
      /nesting exceeds 100/,
    );
  });

  it('skips deeply nested unknown fields and groups without recursing', () => {
    let nested: Bytes = [];
    for (let i = 0; i < 5000; i++) nested = ld(50, nested);
    const groups = [...Array<number>(5000).fill(0x4b), ...Array<number>(5000).fill(0x4c)]; // field 9
    const body = envelope('v1', 'Namespace', [...nested, ...groups, ...objectMeta('x')]);
    assert.deepEqual(decodeKubernetesProtobuf(body).object.metadata, {
      name: 'x',
      creationTimestamp: null,
    });
  });

  it('random mutations only ever raise ProtobufDecodeError', () => {
    let seed = 42;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const buf = Uint8Array.from(valid);
      const flips = 1 + rand(4);
      for (let f = 0; f < flips; f++) buf[4 + rand(buf.length - 4)] = rand(256);
      try {
        decodeKubernetesProtobuf(buf);
      } catch (err) {
        assert.ok(err instanceof ProtobufDecodeError, `iteration ${String(i)}: ${String(err)}`);
      }
    }
  });
});
