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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxLayout } from '../../src/kubelet/images/fixtures.ts';
import { SKIFF, startSkiffServer, type RunResult, type SkiffServer } from './harness.ts';
import { claimNodeHost, nodeTestSkipReason, runTool, type NodeHostClaim } from './node-host.ts';

const IMAGE = 'skiff.test/busybox:busybox';

const skip = nodeTestSkipReason();
const run = runTool;

describe('skiff up: secret and downwardAPI volumes follow the API', { skip }, () => {
  const work = mkdtempSync(join(tmpdir(), 'skiff-e2e-kubelet-volumes-'));
  let host: NodeHostClaim | undefined;
  let s: SkiffServer | undefined;

  const kubectl = async (args: string[], input?: string): Promise<RunResult> => {
    assert.ok(s);
    return s.kubectl(args, input === undefined ? {} : { input });
  };
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const until = async (what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
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
    host = await claimNodeHost();
    const layout = await buildBusyboxLayout(work);
    const archive = join(work, 'busybox.tar');
    const tar = await run('tar', ['-C', layout, '-cf', archive, '.']);
    assert.equal(tar.code, 0, tar.stderr);
    s = await startSkiffServer(['--node-ip', '127.0.0.1', '--kubelet-port', '0'], {
      verb: 'up',
    });
    const imported = await run(SKIFF, [
      'image',
      'import',
      archive,
      '--name',
      'skiff.test/busybox',
      '--data-dir',
      s.dataDir,
    ]);
    assert.equal(imported.code, 0, imported.stderr);
    await until(
      'the node to be Ready',
      async () =>
        (
          await kubectl([
            'get',
            'nodes',
            '-o',
            'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}',
          ])
        ).stdout === 'True',
    );
  });

  after(async () => {
    if (s !== undefined) {
      // Containers outlive the kubelet by design: delete every pod while it still runs.
      await s.kubectl(['delete', 'pods,secrets', '--all', '--grace-period=1']);
      await s.kubectl(['wait', '--for=delete', 'pods', '--all', '--timeout=60s']);
      await s.stop();
    }
    host?.release();
    rmSync(work, { recursive: true, force: true });
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
