/**
 * `./skiff up` with the real kubectl: volumes that follow the API while the pod runs. A secret
 * volume updated in place (`kubectl create secret ... --dry-run=client -o yaml | kubectl apply
 * -f -` with a new value) shows the new value in the running pod within the kubelet's sync
 * period; a downwardAPI volume shows a label added with `kubectl label`. Files are read with
 * `kubectl exec`. Needs root and the Debian tools (runc, umoci, busybox-static, nsenter, socat);
 * skipped with the reason otherwise. The node listens on 127.0.0.1 and a free port; the pods
 * and secret are deleted, and the bridge and cgroups this test made are removed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunResult } from './harness.ts';
import { nodeTestSkipReason, startUpNode, type UpNode } from './node-host.ts';

const IMAGE = 'skiff.test/busybox:busybox';

const skip = nodeTestSkipReason();

describe('skiff up: secret and downwardAPI volumes follow the API', { skip }, () => {
  let node: UpNode | undefined;
  const up = (): UpNode => node ?? assert.fail('the node did not start');
  const kubectl = (args: string[], input?: string): Promise<RunResult> => up().kubectl(args, input);
  const ok = (args: string[], input?: string): Promise<string> => up().ok(args, input);
  const until = (what: string, cond: () => Promise<boolean>, ms?: number): Promise<void> =>
    up().until(what, cond, ms);
  /** `kubectl create secret generic creds --from-literal=password=<v> --dry-run=client -o yaml | kubectl apply -f -`. */
  const applySecret = async (value: string): Promise<void> => {
    const yaml = await ok([
      'create',
      'secret',
      'generic',
      'creds',
      `--from-literal=password=${value}`,
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    await ok(['apply', '-f', '-'], yaml);
  };
  const cat = async (pod: string, file: string): Promise<string> =>
    (await kubectl(['exec', pod, '--', 'cat', file])).stdout;

  before(async () => {
    node = await startUpNode('skiff-e2e-kubelet-volumes-');
  });

  after(async () => {
    await node?.stop('pods,secrets');
  });

  it('updates a secret volume in place after kubectl apply', async () => {
    await applySecret('one');
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'secret-reader' },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'c',
              image: IMAGE,
              imagePullPolicy: 'Never',
              command: ['sleep', '3600'],
              volumeMounts: [{ name: 'creds', mountPath: '/creds', readOnly: true }],
            },
          ],
          volumes: [{ name: 'creds', secret: { secretName: 'creds' } }],
        },
      }),
    );
    await ok(['wait', '--for=condition=Ready', 'pod/secret-reader', '--timeout=60s']);
    assert.equal(await cat('secret-reader', '/creds/password'), 'one');
    await applySecret('two');
    // The kubelet resyncs a running pod's volumes every 10 s (upstream: the sync period).
    await until(
      'the secret volume to show the new value',
      async () => (await cat('secret-reader', '/creds/password')) === 'two',
      60_000,
    );
    // Written atomically (the ..data symlink swap): the key is a link into the new payload.
    const link = await ok([
      'exec',
      'secret-reader',
      '--',
      'busybox',
      'readlink',
      '/creds/password',
    ]);
    assert.equal(link.trim(), '..data/password');
  });

  it('shows a label change in a downwardAPI volume', async () => {
    await ok(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'labels-reader', labels: { app: 'reader' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'c',
              image: IMAGE,
              imagePullPolicy: 'Never',
              command: ['sleep', '3600'],
              volumeMounts: [{ name: 'info', mountPath: '/etc/podinfo' }],
            },
          ],
          volumes: [
            {
              name: 'info',
              downwardAPI: {
                items: [
                  { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                  { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                ],
              },
            },
          ],
        },
      }),
    );
    await ok(['wait', '--for=condition=Ready', 'pod/labels-reader', '--timeout=60s']);
    assert.equal(await cat('labels-reader', '/etc/podinfo/name'), 'labels-reader');
    // upstream's fieldpath.FormatMap: key="value" lines, sorted, no trailing newline.
    assert.equal(await cat('labels-reader', '/etc/podinfo/labels'), 'app="reader"');
    await ok(['label', 'pod', 'labels-reader', 'tier=gold']);
    await until(
      'the downwardAPI volume to show the new label',
      async () =>
        (await cat('labels-reader', '/etc/podinfo/labels')) === 'app="reader"\ntier="gold"',
      60_000,
    );
  });
});
