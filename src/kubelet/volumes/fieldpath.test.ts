import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { extractFieldPathAsString, formatMap, podFieldSelectorRuntimeValue } from './fieldpath.ts';

const pod = (meta: Pod['metadata']): Pod => ({ metadata: meta, spec: { containers: [] } });

describe('formatMap (upstream TestFormatMap)', () => {
  it('nil', () => {
    assert.equal(formatMap(undefined), '');
  });
  it('label', () => {
    assert.equal(formatMap({ key2: 'value2', key1: 'value1' }), 'key1="value1"\nkey2="value2"');
  });
  it('quotes values as %q', () => {
    assert.equal(formatMap({ a: 'x"y\\z\n\t', b: 'é' }), 'a="x\\"y\\\\z\\n\\t"\nb="é"');
  });
});

describe('extractFieldPathAsString (upstream TestExtractFieldPathAsString)', () => {
  const ok: Array<[string, string, Pod, string]> = [
    ['namespace', 'metadata.namespace', pod({ namespace: 'object-namespace' }), 'object-namespace'],
    ['name', 'metadata.name', pod({ name: 'object-name' }), 'object-name'],
    [
      'uid',
      'metadata.uid',
      pod({ uid: 'b70b3269-858e-12a8-9cf2-1232a194038a' }),
      'b70b3269-858e-12a8-9cf2-1232a194038a',
    ],
    ['labels', 'metadata.labels', pod({ labels: { key: 'value' } }), 'key="value"'],
    ['labels bslash n', 'metadata.labels', pod({ labels: { key: 'value\n' } }), 'key="value\\n"'],
    [
      'annotations',
      'metadata.annotations',
      pod({ annotations: { builder: 'john-doe' } }),
      'builder="john-doe"',
    ],
    [
      'annotation',
      "metadata.annotations['spec.pod.beta.kubernetes.io/statefulset-index']",
      pod({ annotations: { 'spec.pod.beta.kubernetes.io/statefulset-index': '1' } }),
      '1',
    ],
    [
      'annotation upper',
      "metadata.annotations['Www.k8s.io/test']",
      pod({ annotations: { 'Www.k8s.io/test': '1' } }),
      '1',
    ],
    ['label subscript', "metadata.labels['app']", pod({ labels: { app: 'web' } }), 'web'],
  ];
  for (const [name, path, p, want] of ok)
    it(`ok - ${name}`, () => {
      assert.equal(extractFieldPathAsString(p, path), want);
    });

  const bad: Array<[string, string, string]> = [
    ['invalid expression', 'metadata.whoops', 'unsupported fieldPath'],
    [
      'invalid annotation key',
      "metadata.annotations['invalid~key']",
      'invalid key subscript in metadata.annotations',
    ],
    [
      'invalid label key',
      "metadata.labels['Www.k8s.io/test']",
      'invalid key subscript in metadata.labels',
    ],
    [
      'invalid subscript',
      "metadata.notexisting['something']",
      `fieldPath "metadata.notexisting['something']" does not support subscript`,
    ],
    ['status is env-only', 'status.podIP', 'unsupported fieldPath: status.podIP'],
  ];
  for (const [name, path, fragment] of bad) {
    it(name, () => {
      assert.throws(
        () => extractFieldPathAsString(pod({ namespace: 'ns' }), path),
        (e: Error) => e.message.includes(fragment),
      );
    });
  }
});

describe('podFieldSelectorRuntimeValue', () => {
  const p: Pod = {
    metadata: { name: 'web', namespace: 'ns' },
    spec: { containers: [], nodeName: 'node-a', serviceAccountName: 'sa' },
    status: { podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }], hostIPs: [{ ip: '192.168.1.2' }] },
  };
  it('resolves node, service account and IPs', () => {
    assert.equal(podFieldSelectorRuntimeValue(p, 'spec.nodeName'), 'node-a');
    assert.equal(podFieldSelectorRuntimeValue(p, 'spec.serviceAccountName'), 'sa');
    assert.equal(podFieldSelectorRuntimeValue(p, 'status.podIP'), '10.0.0.5');
    assert.equal(podFieldSelectorRuntimeValue(p, 'status.podIPs'), '10.0.0.5,fd00::5');
    assert.equal(
      podFieldSelectorRuntimeValue(p, 'status.hostIP', { hostIPs: ['192.168.9.9'] }),
      '192.168.9.9',
    );
    assert.equal(podFieldSelectorRuntimeValue(p, 'status.hostIPs'), '192.168.1.2');
    assert.equal(podFieldSelectorRuntimeValue(p, 'metadata.name'), 'web');
  });
});
